"""Write a synthetic, valid paper list for benchmarking `site-gen`.

    .venv/bin/python bench/synthetic.py DEST --papers 10000 [--seed 1]

DEST receives papers/*.yml, papers/_taxonomy.yml, a copy of the repository's docs/ and
mkdocs.yml, and a `site_gen` symlink to the repository's package (mkdocs.yml names its hook by a
path relative to itself). The same seed and size always give byte-identical files.

Field sizes follow the real list (~1.7 KB per file): titles of 6-15 words, 2-12 authors drawn
from a shared pool (authors recur across papers), an abstract of ~1,200 characters of words drawn
from a Zipf-distributed vocabulary of ~25,000 words (common English and ML words first, then
pronounceable made-up words, so search indexes grow as they would with real abstracts), a venue
for ~60% of papers, a code link for ~40%, 2-6 tags out of 60 and one of 12 categories, both with
skewed popularity, and `added` dates spread over 2019-2025. Ids, arXiv ids and titles are unique.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import random
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # the venv has site_gen installed editable; this is for other pythons
    sys.path.insert(0, str(REPO))

from site_gen.paper_file import paper_yaml  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Vocabulary. Fixed (independent of the seed) so that sizes are comparable between runs.

_FUNCTION_WORDS = """
the of and to a in for is that we on with as by this are our an be from which at can it these
such their or than both while into over its not has have more when also each other all only
between through using based however show new two use most both then where without under
""".split()

_DOMAIN_WORDS = """
memory model models learning training data network networks neural method methods performance
results propose approach task tasks large language efficient efficiency deep layer layers state
states parameters parameter optimization optimizer gradient gradients inference attention
transformer transformers sequence sequences long context retrieval agent agents policy
reinforcement reward continual forgetting catastrophic replay buffer episodic semantic knowledge
representation representations feature features embedding embeddings vision image images video
benchmark benchmarks dataset datasets evaluation accuracy quantization pruning sparse sparsity
low rank adaptation fine tuning pretraining pretrained compression latency throughput hardware
gpu cpu accelerator edge device devices microcontroller energy power budget cost compute
computation scalable scaling distributed parallel pipeline offloading activation activations
checkpointing recurrent recurrence linear nonlinear kernel kernels architecture architectures
module modules mechanism mechanisms hierarchical temporal spatial multimodal generative diffusion
autoregressive decoder encoder token tokens prompt prompts reasoning planning search tree graph
graphs dynamic dynamics stable stability convergence theoretical analysis empirical experiments
experimental demonstrate outperforms baseline baselines state-of-the-art significantly reduce
reduces reducing reduction improve improves improving improvement achieve achieves competitive
robust robustness generalization transfer domain shift online streaming incremental class
classes classification detection segmentation recognition prediction forecasting regression
control robot robotics navigation embodied environment environments simulation world exploration
curiosity bandit bandits regret bound bounds loss function objective objectives regularization
contrastive self-supervised supervised unsupervised labels label noise adversarial security
privacy federated clients server communication bandwidth storage cache caching key value
query queries lookup index indexing chunk chunks window sliding compressive summary summaries
dialogue conversation conversational user users personalization recommendation recommender
click ranking retrieval-augmented external controller read write addressing slot slots
associative hopfield hippocampus cortex neuromorphic spiking synaptic plasticity biological
brain inspired cognitive human humans consolidation rehearsal prototype prototypes exemplar
exemplars distillation teacher student ensemble mixture experts routing gating conditional
early exit depth width looped iterative recursive fixed point implicit equilibrium ordinary
differential equations continuous discrete tokenization vocabulary softmax normalization
initialization schedule learning-rate batch size precision mixed float integer bit bits
zeroth-order forward backward backpropagation local layerwise side adapter adapters lora
prefix prompt-tuning head heads projection projections subspace matrix matrices tensor tensors
decomposition factorization approximation randomized sketching hashing quantized codebook vector
vectors product similarity nearest neighbor neighbors dense sparse-attention linear-attention
state-space selective scan convolution convolutional residual skip connection connections
framework frameworks system systems library open-source implementation code released available
""".split()

_SYLLABLES_START = "b c d f g h j k l m n p r s t v w z br cr dr fr gr pr tr st sp sc bl cl fl pl sl ch sh th".split()
_VOWELS = "a e i o u ai ea ee ie oa ou io".split()
_SYLLABLES_END = "n r s t l m nd nt rt st ck x ph ng rn lt sk".split()

_FIRST_NAMES = """
Wei Jing Li Hao Yu Xin Yang Jun Lei Ming Hui Yan Chen Lin Jie Kai Tao Rui Zhen Qi Ana Maria
Sofia Laura Elena Anna Julia Sara Clara Marta Lucas Mateo Diego Pablo Javier Carlos Luis Jose
Juan Miguel David Daniel Michael James John Robert William Thomas Richard Joseph Charles
Christopher Matthew Andrew Joshua Ryan Kevin Brian Jason Eric Adam Sam Emily Emma Olivia Ava
Isabella Mia Amelia Harper Evelyn Abigail Ella Grace Chloe Lily Hannah Nora Zoe Alice Ruth
Priya Ananya Aarav Vivaan Aditya Arjun Rohan Rahul Vikram Sanjay Deepak Neha Pooja Kavya Ishaan
Hiroshi Takeshi Kenji Yuki Haruto Sota Yui Hina Akira Satoshi Min-jun Seo-yeon Ji-ho Hyun-woo
Ahmed Mohamed Omar Ali Hassan Youssef Fatima Aisha Layla Mariam Olga Ivan Dmitri Sergei Anastasia
Natalia Pierre Louis Camille Chloe Hugo Jules Lea Manon Lukas Felix Jonas Leon Finn Lena Mila
""".split()

_LAST_NAMES = """
Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Gao Zheng Liang
Xie Tang Han Cao Deng Feng Zeng Peng Smith Johnson Williams Brown Jones Garcia Miller Davis
Rodriguez Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin
Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King
Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell
Carter Roberts Kumar Sharma Singh Patel Gupta Reddy Iyer Nair Rao Mehta Joshi Kapoor Bose
Tanaka Suzuki Takahashi Watanabe Ito Yamamoto Nakamura Kobayashi Kato Kim Park Choi Jung Kang
Cho Yoon Jang Lim Han Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann
Dubois Durand Lefebvre Moreau Laurent Simon Michel Rossi Russo Ferrari Esposito Bianchi Romano
Ivanov Smirnov Kuznetsov Popov Sokolov Novak Kowalski Nowak Silva Santos Oliveira Souza Costa
""".split()

_VENUES = """
NeurIPS ICML ICLR CVPR ICCV ECCV AAAI IJCAI ACL EMNLP NAACL COLING KDD WWW SIGIR CIKM WSDM MLSys
ISCA MICRO DAC ICCAD TMLR JMLR UAI AISTATS CoRL ICRA IROS INTERSPEECH ICASSP
""".split()

CATEGORIES = [
    ("memory-efficient-training", "Memory-efficient training & optimizers"),
    ("efficient-fine-tuning", "Parameter- & memory-efficient fine-tuning"),
    ("efficient-inference", "Efficient inference, compression & TinyML"),
    ("ml-systems", "Systems, hardware & distributed ML"),
    ("vision-representation", "Vision models & representation learning"),
    ("sequence-architectures", "Recurrent, state-space & looped architectures"),
    ("memory-augmented-networks", "Memory-augmented neural networks"),
    ("lm-memory", "Language-model memory & knowledge updating"),
    ("agent-memory", "Memory for LLM agents & dialogue"),
    ("memory-in-rl", "Memory in RL & decision-making"),
    ("continual-learning", "Continual learning"),
    ("brain-inspired", "Brain-inspired & neuromorphic memory"),
]

TAGS = """
3d-vision activation-memory audio-speech backprop-free bandits benchmark biomedical
class-incremental code compilers-kernels conditional-computation context-compression dialogue
distributed-training edge-devices efficient-attention embodied-ai energy-efficiency
episodic-memory federated-learning finance games generative-models graphs hardware-design
high-resolution-images in-context-learning knowledge-editing lifelong-learning llm long-context
long-horizon lora-adapters low-rank meta-learning ml-for-systems multi-agent multi-task
multimodal neural-architecture-search nlp offloading online-learning optimizer pretraining
pruning quantization reasoning recommender-systems recurrent-networks reinforcement-learning
replay retrieval robotics self-supervised sparsity state-space-models survey test-time-learning
time-series
""".split()

assert len(CATEGORIES) == 12 and len(TAGS) == 60 == len(set(TAGS))

_FIRST_DAY = dt.date(2019, 1, 1)
_LAST_DAY = dt.date(2025, 12, 31)


def _made_up_words(count: int) -> list[str]:
    rng = random.Random(20240101)
    known = set(_FUNCTION_WORDS) | set(_DOMAIN_WORDS)
    words: list[str] = []
    seen = set(known)
    while len(words) < count:
        parts = [rng.choice(_SYLLABLES_START) + rng.choice(_VOWELS) for _ in range(rng.randint(1, 3))]
        word = "".join(parts) + (rng.choice(_SYLLABLES_END) if rng.random() < 0.7 else "")
        if len(word) >= 4 and word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _dedupe(words: list[str]) -> list[str]:
    return list(dict.fromkeys(words))


VOCABULARY = _dedupe(_FUNCTION_WORDS + _DOMAIN_WORDS) + _made_up_words(24000)
_CUMULATIVE = list(itertools.accumulate(1.0 / (rank + 2.5) ** 1.05 for rank in range(len(VOCABULARY))))
# Title words: content words only (no function words), a milder skew so titles stay distinct.
_TITLE_WORDS = [w for w in VOCABULARY if w not in set(_FUNCTION_WORDS)]
_TITLE_CUMULATIVE = list(itertools.accumulate(1.0 / (rank + 20) ** 0.9 for rank in range(len(_TITLE_WORDS))))
_SMALL = {"for", "of", "with", "in", "and", "via", "on", "to", "from"}


def _skewed_index(rng: random.Random, count: int, skew: float = 1.0) -> int:
    """An index in [0, count) with popularity ~ 1/(i+1)^skew."""
    weights = [1.0 / (i + 1) ** skew for i in range(count)]
    return rng.choices(range(count), weights=weights)[0]


@dataclass
class SyntheticList:
    """Deterministic generator of paper records; remembers what it has handed out so that records
    made later (`extra_record`, for "add one paper" benchmarks) stay unique too."""

    seed: int = 1
    rng: random.Random = field(init=False)
    ids: set[str] = field(default_factory=set)
    arxiv_ids: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)
    authors_pool: list[str] = field(default_factory=list)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        names = [f"{first} {last}" for first in _FIRST_NAMES for last in _LAST_NAMES]
        random.Random(self.seed + 7).shuffle(names)
        self.authors_pool = names[:6000]
        self._author_weights = list(itertools.accumulate(1.0 / (i + 10) ** 0.8 for i in range(len(self.authors_pool))))

    # -- fields ---------------------------------------------------------------------------------
    def _words(self, count: int) -> list[str]:
        return self.rng.choices(VOCABULARY, cum_weights=_CUMULATIVE, k=count)

    def _title(self) -> tuple[str, str | None]:
        rng = self.rng
        while True:
            words = rng.choices(_TITLE_WORDS, cum_weights=_TITLE_CUMULATIVE, k=rng.randint(6, 15))
            for i in range(2, len(words) - 1, rng.randint(3, 5)):
                words[i] = rng.choice(sorted(_SMALL))
            acronym = None
            if rng.random() < 0.45:
                acronym = "".join(w[0] for w in words[:rng.randint(3, 5)]).upper() + (rng.choice(["", "", "2", "-X", "Net"]))
            text = " ".join(w if w in _SMALL else w[:1].upper() + w[1:] for w in words)
            title = f"{acronym}: {text}" if acronym else text
            key = re.sub(r"[\W_]+", " ", title.casefold()).strip()
            if key not in self.titles:
                self.titles.add(key)
                return title, acronym

    def _id(self, title: str, acronym: str | None) -> str:
        if acronym:
            base = re.sub(r"[^a-z0-9]+", "-", acronym.lower()).strip("-")
        else:
            base = "-".join(re.sub(r"[^a-z0-9]+", "", w.lower()) for w in title.split()[:3] if w.lower() not in _SMALL)
        base = base.strip("-") or "paper"
        candidate, n = base, 1
        while candidate in self.ids:
            n += 1
            candidate = f"{base}-{n}"
        self.ids.add(candidate)
        return candidate

    def _arxiv(self, year: int) -> str:
        while True:
            month = self.rng.randint(1, 12)
            number = self.rng.randint(1, 29999)
            arxiv = f"{year % 100:02d}{month:02d}.{number:05d}"
            if arxiv not in self.arxiv_ids:
                self.arxiv_ids.add(arxiv)
                return arxiv

    def _sentence(self) -> str:
        rng = self.rng
        words = self._words(rng.randint(12, 30))
        if rng.random() < 0.25:
            words.insert(rng.randrange(len(words)), rng.choice([f"{rng.uniform(1.1, 9.9):.1f}x", f"{rng.uniform(5, 95):.1f}%", f"{rng.randint(2, 512)}"]))
        if len(words) > 10 and rng.random() < 0.5:
            words[rng.randint(4, len(words) - 4)] += ","
        words[0] = words[0][:1].upper() + words[0][1:]
        return " ".join(words) + "."

    def _abstract(self) -> str:
        target = min(1600, max(800, int(self.rng.gauss(1200, 150))))
        sentences: list[str] = []
        length = -1
        while length < target:
            sentence = self._sentence()
            sentences.append(sentence)
            length += len(sentence) + 1
        return " ".join(sentences)

    def _authors(self) -> list[str]:
        count = min(12, max(2, int(self.rng.lognormvariate(1.5, 0.5))))
        chosen: list[str] = []
        while len(chosen) < count:
            name = self.rng.choices(self.authors_pool, cum_weights=self._author_weights)[0]
            if name not in chosen:
                chosen.append(name)
        return chosen

    def record(self) -> tuple[str, dict[str, Any]]:
        rng = self.rng
        title, acronym = self._title()
        paper_id = self._id(title, acronym)
        year = rng.randint(2015, 2025)
        record: dict[str, Any] = {"title": title, "authors": self._authors(), "year": year}
        if rng.random() < 0.6:
            record["venue"] = f"{rng.choice(_VENUES)} {min(2025, year + rng.choice([0, 0, 1]))}"
        record["arxiv"] = self._arxiv(year)
        if rng.random() < 0.4:
            owner = re.sub(r"[^a-z0-9]", "", record["authors"][0].split()[-1].lower()) + str(rng.randint(1, 99))
            record["code"] = f"https://github.com/{owner}/{paper_id}"
        record["category"] = CATEGORIES[_skewed_index(rng, len(CATEGORIES), 0.6)][0]
        tags: list[str] = []
        for _ in range(rng.randint(2, 6)):
            tag = TAGS[_skewed_index(rng, len(TAGS), 0.8)]
            if tag not in tags:
                tags.append(tag)
        record["tags"] = sorted(tags)
        record["abstract"] = self._abstract()
        start = max(_FIRST_DAY, dt.date(year, 1, 1))
        record["added"] = (start + dt.timedelta(days=rng.randint(0, (_LAST_DAY - start).days))).isoformat()
        self.records[paper_id] = record
        return paper_id, record

    def extra_record(self) -> tuple[str, dict[str, Any]]:
        """One more unique paper (for the "add a paper" measurements)."""
        return self.record()


def taxonomy_yaml() -> str:
    rng = random.Random(99)

    def description() -> str:
        words = rng.choices(VOCABULARY[:600], k=rng.randint(15, 30))
        return (" ".join(words)).capitalize() + "."

    data = {
        "list": {
            "title": "Synthetic Benchmark List",
            "url": "https://example.org/synthetic/",
            "repository": "https://github.com/example/synthetic-list",
            "description": "A synthetic list of papers generated by bench/synthetic.py to benchmark site-gen.",
        },
        "categories": [{"slug": slug, "title": title, "description": description()} for slug, title in CATEGORIES],
        "tags": [
            {"slug": slug, "title": slug.replace("-", " ").capitalize(), "description": description()} for slug in TAGS
        ],
    }
    header = "# yaml-language-server: $schema=../site_gen/schema/taxonomy.schema.json\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# The repository has no docs/contributing.md (yet) although the generated nav and docs/about.md link
# to it, which makes `mkdocs build --strict` fail; this stand-in is written only when it is missing.
CONTRIBUTING_STUB = """# Contribute

Stand-in written by bench/synthetic.py because the repository has no docs/contributing.md.

## Fields

<!-- fields:start -->
<!-- fields:end -->
"""


def copy_site_files(dest: Path, repo: Path = REPO) -> list[str]:
    """docs/ and mkdocs.yml (which names the installed paper-list plugin). Returns notes about
    anything patched."""
    notes = []
    if (dest / "docs").exists():
        shutil.rmtree(dest / "docs")
    shutil.copytree(repo / "docs", dest / "docs")
    if not (dest / "docs" / "contributing.md").exists():
        (dest / "docs" / "contributing.md").write_text(CONTRIBUTING_STUB, encoding="utf-8")
        notes.append("the repository has no docs/contributing.md (linked from the nav and about.md; "
                     "`mkdocs build --strict` fails without it): the harness wrote a stand-in")
    shutil.copy(repo / "mkdocs.yml", dest / "mkdocs.yml")
    return notes


def write_paper(papers_dir: Path, paper_id: str, record: dict[str, Any]) -> Path:
    path = papers_dir / f"{paper_id}.yml"
    path.write_text(paper_yaml(record), encoding="utf-8")
    return path


def generate(dest: Path, papers: int, seed: int = 1, repo: Path = REPO) -> tuple[SyntheticList, list[str]]:
    """Write the list into dest (created; an existing papers/ is replaced). Returns the generator
    (which knows every record) and notes about patched site files."""
    dest.mkdir(parents=True, exist_ok=True)
    papers_dir = dest / "papers"
    if papers_dir.exists():
        shutil.rmtree(papers_dir)
    papers_dir.mkdir()
    (papers_dir / "_taxonomy.yml").write_text(taxonomy_yaml(), encoding="utf-8")
    synthetic = SyntheticList(seed)
    for _ in range(papers):
        paper_id, record = synthetic.record()
        write_paper(papers_dir, paper_id, record)
    return synthetic, copy_site_files(dest, repo)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    _, notes = generate(args.dest, args.papers, args.seed)
    files = sorted((args.dest / "papers").glob("*.yml"))
    total = sum(p.stat().st_size for p in files)
    print(f"{args.dest}: {len(files) - 1} papers, {total / 1e6:.1f} MB, {total / max(1, len(files)):.0f} bytes per file")
    for note in notes:
        print("note:", note)


if __name__ == "__main__":
    main()
