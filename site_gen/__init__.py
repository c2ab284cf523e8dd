"""site-gen: turn a folder of paper YAML files into a Material for MkDocs site."""
