"""The incremental layer: what a build remembers of earlier builds, kept beside the stages.

- cache.py: a build's memory of earlier builds, as the pipeline opens and saves it;
- parse_cache.py: parse results by file content; the load stage asks it which files to read;
- memo.py: pages and pieces by the inputs of their templates; the renderer asks it for them;
- manifest.py: what the generated tree holds; the memo and the writer ask it;
- store.py: the files of build/cache and how they are read and written; version.py: what they all
  depend on; pool.py: the worker processes parsing and rendering spread their work over.

Deleting build/cache is always safe: the next build makes everything again. A damaged or stale
file is read as absent.
"""
