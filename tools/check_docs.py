#!/usr/bin/env python3
"""Check that the docs name only make targets, doctor flags and links that exist.

    python3 tools/check_docs.py [--root DIR]

Scans README.md, docs/*.md, infra/README.md, infra/cdk/README.md, CONTRIBUTING.md and
tests/conformance/README.md (Python 3 standard library only):

- every `make <target>` in a code span or code block is a rule of the Makefile (or of the
  Makefile of `make -C <dir>`), and every `make VAR=…` names a variable the Makefile uses;
- every `--flag` given to `replication-doctor` (also `cargo run -p replication-doctor -- …` and
  `target/…/replication-doctor`) is one that tools/replication-doctor/src/ parses;
- every relative link `[x](path)` or `[x](path#anchor)` points to a file that exists and, for an
  anchor into a .md file, to one of its headings (GitHub's slugs).

Each problem is one line, `file:line: what — fix`; then a summary line. Exit 0 when there is
none, 1 otherwise.
"""

from __future__ import annotations

import argparse
import difflib
import re
import shlex
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

DOC_GLOBS = (
    "README.md",
    "docs/*.md",
    "infra/README.md",
    "infra/cdk/README.md",
    "CONTRIBUTING.md",
    "tests/conformance/README.md",
)
DOCTOR = "replication-doctor"
DOCTOR_SRC = Path("tools") / DOCTOR / "src"
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
SHELL_OPS = {"&&", "||", ";", "|", "&", "(", ")", "$", "`", ";;"}
REDIRECTS = {"<", ">", ">>", "<<", "2>", "&>", ">&", "<<<"}
TARGET_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.%/+-]*$")
ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=")


@dataclass
class Problem:
    path: str
    line: int
    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what} — {self.fix}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    targets: int = 0
    variables: int = 0
    flags: int = 0
    links: int = 0


# ---------------------------------------------------------------------------------- markdown


def split_markdown(text: str) -> tuple[list[tuple[int, list[str]]], str]:
    """The fenced code blocks as (first line number, lines), and the text with every fenced
    line blanked (line numbers kept), for inline code spans and links."""
    blocks: list[tuple[int, list[str]]] = []
    prose: list[str] = []
    fence: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        m = FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)
            blocks.append((number + 1, []))
            prose.append("")
        elif fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip()[len(m.group(1)):].strip():
                fence = None
            else:
                blocks[-1][1].append(line)
            prose.append("")
        else:
            prose.append(line)
    return blocks, "\n".join(prose)


CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.S)


def code_spans(prose: str) -> list[tuple[int, str]]:
    """Inline code spans (possibly over several lines) with the line they start on."""
    return [(prose.count("\n", 0, m.start()) + 1, m.group(2).replace("\n", " ").strip()) for m in CODE_SPAN.finditer(prose)]


def without_code_spans(prose: str) -> str:
    """The prose with each code span's content replaced by x's (offsets and lines kept)."""
    return CODE_SPAN.sub(lambda m: m.group(1) + re.sub(r"[^\n]", "x", m.group(2)) + m.group(1), prose)


def strip_comment(line: str) -> str:
    """A shell line without its `# comment` (a # that starts a word, outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def block_commands(first: int, lines: list[str]) -> list[tuple[int, str]]:
    """A code block's logical shell lines (backslash continuations joined), comments dropped,
    a leading `$ ` prompt removed."""
    out: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for offset, raw in enumerate(lines):
        line = strip_comment(raw).rstrip()
        cont = line.endswith("\\")
        if cont:
            line = line[:-1]
        if pending is None:
            pending = (first + offset, re.sub(r"^\s*\$ ", "", line))
        else:
            pending = (pending[0], pending[1] + " " + line)
        if not cont:
            out.append(pending)
            pending = None
    if pending is not None:
        out.append(pending)
    return out


def tokens(command: str) -> list[str]:
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:  # an unbalanced quote: good enough for finding command words
        return command.split()


def segments(words: list[str]) -> list[list[str]]:
    """Simple commands: the words between shell operators, assignments in front dropped."""
    out: list[list[str]] = [[]]
    for w in words:
        if w in SHELL_OPS:
            out.append([])
        else:
            out[-1].append(w)
    result = []
    for seg in out:
        while seg and ASSIGNMENT.match(seg[0]):
            seg = seg[1:]
        if seg:
            result.append(seg)
    return result


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text lower-cased, punctuation but - and _ removed,
    spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # [text](url) -> text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.strip().lower()
    text = "".join(ch for ch in text if ch in "-_ " or unicodedata.category(ch)[0] in "LNM")
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every anchor a markdown file offers: its headings' slugs (duplicates numbered as GitHub
    numbers them) and explicit `<a name|id="…">`."""
    _, prose = split_markdown(text)
    lines = prose.split("\n")
    seen: dict[str, int] = {}
    found: set[str] = set()
    for i, line in enumerate(lines):
        m = re.match(r"^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$", line)
        heading = m.group(1) if m else None
        if heading is None and i + 1 < len(lines) and line.strip() and re.match(r"^ {0,3}(=+|-+)\s*$", lines[i + 1]):
            heading = line.strip()
        if heading is None:
            continue
        slug = github_slug(heading)
        n = seen.get(slug, 0)
        found.add(slug if n == 0 else f"{slug}-{n}")
        seen[slug] = n + 1
    found.update(re.findall(r"<a\s+(?:name|id)=\"([^\"]+)\"", text))
    return found


LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s+<?(\S+?)>?(?:\s|$)", re.M)


def links(prose: str) -> list[tuple[int, str]]:
    text = without_code_spans(prose)
    matches = sorted([*LINK.finditer(text), *REF_DEF.finditer(text)], key=lambda m: m.start())
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in matches]


# ---------------------------------------------------------------------------------- Makefile


@dataclass
class Makefile:
    targets: set[str]
    patterns: list[re.Pattern[str]]
    text: str

    def has_target(self, name: str) -> bool:
        return name in self.targets or any(p.fullmatch(name) for p in self.patterns)

    def uses_variable(self, name: str) -> bool:
        code = "\n".join(strip_comment(line) for line in self.text.split("\n"))
        return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", code) is not None


def read_makefile(path: Path) -> Makefile:
    text = path.read_text(encoding="utf-8")
    logical = re.sub(r"\\\n", " ", text).split("\n")
    variables: dict[str, str] = {}
    for line in logical:
        m = re.match(r"^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?::{1,3}|\?|\+|!)?=\s*(.*)$", line)
        if m and not line.startswith("\t"):
            variables.setdefault(m.group(1), strip_comment(m.group(2)).strip())

    def expand(s: str, depth: int = 0) -> str:
        if depth > 10:
            return s
        return re.sub(r"\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]", lambda m: expand(variables.get(m.group(1), m.group(0)), depth + 1) if m.group(1) in variables else m.group(0), s)

    targets: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    for line in logical:
        if line.startswith("\t") or line.lstrip().startswith("#"):
            continue
        m = re.match(r"^([^\s:#=][^:=#]*?)\s*::?(?!=)", line)
        if not m:
            continue
        for name in expand(m.group(1)).split():
            if name.startswith(".") or "$" in name:
                continue
            if "%" in name:
                patterns.append(re.compile(re.escape(name).replace("%", ".+")))
            else:
                targets.add(name)
    return Makefile(targets, patterns, text)


# ---------------------------------------------------------------------------------- the doctor


def doctor_flags(src: Path) -> set[str]:
    """The flags the doctor parses: string literals like "--json" used as match patterns in
    tools/replication-doctor/src/*.rs, outside #[cfg(test)] modules."""
    flags: set[str] = set()
    any_literal: set[str] = set()
    for rs in sorted(src.glob("*.rs")):
        code = rs.read_text(encoding="utf-8").split("#[cfg(test)]")[0]
        flags.update(re.findall(r"\"(--?[A-Za-z][A-Za-z0-9-]*)\"\s*(?=\||=>)", code))
        any_literal.update(re.findall(r"\"(--[A-Za-z][A-Za-z0-9-]*)\"", code))
    return flags or any_literal


def doctor_arguments(segment: list[str]) -> list[str] | None:
    """The doctor's arguments if this simple command runs the doctor, else None."""
    head = segment[0]
    if head.rsplit("/", 1)[-1] == DOCTOR:
        return segment[1:]
    if head == "cargo" and len(segment) > 1 and segment[1] == "run":
        for i, w in enumerate(segment[:-1]):
            if w in ("-p", "--package") and segment[i + 1] == DOCTOR or w == f"--package={DOCTOR}":
                rest = segment[i + 1 :]
                return rest[rest.index("--") + 1 :] if "--" in rest else []
    return None


# ---------------------------------------------------------------------------------- checks


def check_command(cmd: str, where: tuple[str, int], root: Path, makefiles: dict[Path, Makefile | None], flags: set[str], report: Report) -> None:
    path, line = where
    words = tokens(cmd)
    # A `|` inside a usage text's brackets (`[--a P | --b ARN]`) is not a pipe: keep going.
    merged: list[str] = []
    for i, w in enumerate(words):
        if w == "|" and i + 1 < len(words) and words[i + 1].lstrip("[").startswith("-"):
            continue
        merged.append(w)
    for seg in segments(merged):
        if seg[0] == "make":
            check_make(seg[1:], (path, line), root, makefiles, report)
        args = doctor_arguments(seg)
        if args is not None:
            for word in args:
                flag = word.strip("[]").split("=", 1)[0]
                if not re.match(r"^--?[A-Za-z]", flag):
                    continue
                report.flags += 1
                if flag not in flags:
                    near = difflib.get_close_matches(flag, sorted(flags), n=1)
                    fix = f"did you mean {near[0]}?" if near else f"the doctor accepts {', '.join(sorted(flags))}"
                    report.problems.append(Problem(path, line, f"replication-doctor has no flag {flag}", fix + f" (see {DOCTOR_SRC}/args.rs)"))


def check_make(args: list[str], where: tuple[str, int], root: Path, makefiles: dict[Path, Makefile | None], report: Report) -> None:
    path, line = where
    directory = root
    goals: list[str] = []
    variables: list[str] = []
    skip = False
    it = iter(range(len(args)))
    for i in it:
        w = args[i]
        if skip:
            skip = False
            continue
        if w in REDIRECTS:
            skip = True
        elif w in ("-C", "--directory") and i + 1 < len(args):
            directory = root / args[i + 1]
            skip = True
        elif w in ("-f", "--file", "--makefile", "-j", "-l", "-o", "-W", "-I"):
            skip = True
        elif w.startswith("-"):
            continue
        elif ASSIGNMENT.match(w):
            variables.append(ASSIGNMENT.match(w).group(1))
        elif TARGET_WORD.match(w):
            goals.append(w)
    makefile_path = directory / "Makefile"
    if makefile_path not in makefiles:
        makefiles[makefile_path] = read_makefile(makefile_path) if makefile_path.is_file() else None
    makefile = makefiles[makefile_path]
    shown = makefile_path.relative_to(root) if makefile_path.is_relative_to(root) else makefile_path
    if makefile is None:
        report.problems.append(Problem(path, line, f"make runs in {directory.relative_to(root) if directory.is_relative_to(root) else directory}, which has no Makefile", "fix the directory given to -C"))
        return
    for goal in goals:
        report.targets += 1
        if not makefile.has_target(goal):
            near = difflib.get_close_matches(goal, sorted(makefile.targets), n=1)
            fix = f"did you mean `make {near[0]}`?" if near else "name a target of the Makefile, or add the target"
            report.problems.append(Problem(path, line, f"`make {goal}`: no target {goal!r} in {shown}", fix))
    for name in variables:
        report.variables += 1
        if not makefile.uses_variable(name):
            report.problems.append(Problem(path, line, f"`make … {name}=…`: {shown} never uses {name}", f"drop it, or write it as an environment variable (`{name}=… make …`) if a script reads it"))


def check_links(path: Path, prose: str, root: Path, anchor_cache: dict[Path, set[str]], report: Report) -> None:
    shown = str(path.relative_to(root))
    for line, target in links(prose):
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target) or target.startswith("//"):
            continue  # http:, https:, mailto:, …
        report.links += 1
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / unquote(file_part)).resolve() if file_part else path
        if not dest.exists():
            report.problems.append(Problem(shown, line, f"link to {target}: {file_part} does not exist", "point it at an existing file (paths are relative to this file)"))
            continue
        if anchor and dest.suffix.lower() == ".md" and dest.is_file():
            if dest not in anchor_cache:
                anchor_cache[dest] = anchors(dest.read_text(encoding="utf-8"))
            if unquote(anchor).lower() not in anchor_cache[dest]:
                near = difflib.get_close_matches(unquote(anchor).lower(), sorted(anchor_cache[dest]), n=1)
                fix = f"did you mean #{near[0]}?" if near else "link to one of its headings"
                name = dest.relative_to(root) if dest.is_relative_to(root) else dest
                report.problems.append(Problem(shown, line, f"link to {target}: {name} has no heading #{anchor}", fix))


def doc_files(root: Path) -> list[Path]:
    found: list[Path] = []
    for pattern in DOC_GLOBS:
        found += sorted(p for p in root.glob(pattern) if p.is_file())
    return found


def check(root: Path) -> Report:
    root = root.resolve()
    report = Report()
    makefiles: dict[Path, Makefile | None] = {}
    anchor_cache: dict[Path, set[str]] = {}
    flags = doctor_flags(root / DOCTOR_SRC) if (root / DOCTOR_SRC).is_dir() else set()
    for path in doc_files(root):
        shown = str(path.relative_to(root))
        blocks, prose = split_markdown(path.read_text(encoding="utf-8"))
        commands = code_spans(prose)
        for first, lines in blocks:
            commands += block_commands(first, lines)
        for line, cmd in sorted(commands):
            check_command(cmd, (shown, line), root, makefiles, flags, report)
        check_links(path, prose, root, anchor_cache, report)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent, help="the repository (default: this file's)")
    args = parser.parse_args(argv)
    report = check(args.root)
    for problem in report.problems:
        print(problem)
    summary = f"docs: {report.targets} make targets, {report.flags} flags, {report.links} links checked"
    if report.variables:
        summary += f" (and {report.variables} make variables)"
    if report.problems:
        print(f"{summary}: {len(report.problems)} problem(s)")
        return 1
    print(f"{summary}: all found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
