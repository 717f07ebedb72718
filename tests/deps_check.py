"""Every Python module and every program that the tests, benches and examples use
comes from a Debian package that tests/deps.sh installs.

    /usr/bin/python3 tests/deps_check.py ROOT [DEPS_SH]

Scans, under ROOT: tests/, bench/, examples/ and fuzz/ (.py files, shell scripts,
Makefiles, with the Python code that shell scripts and Makefiles hand to python3
by -c or a here-document), the top Makefile's recipes, and the EXAMPLES of
man/*.1 (tests/cli/man_examples.sh runs them).  Finds:
- modules: every import (a top-level name), resolved by this /usr/bin/python3
  (importlib.util.find_spec) to a file; the project's own modules are left out,
  and so are imports inside "try: ... except ImportError" (optional ones);
- programs: the first word of every simple command (and the command after
  wrappers like timeout, env, xargs, check, expect_status), every /usr/bin/X and
  /bin/X named anywhere, and the programs that Python code starts by a literal
  name (subprocess.run(["zstd", ...])); shell builtins and keywords, functions
  defined in the scanned scripts, and the project's own programs are left out;
  the rest resolved by command -v (PATH), readlink -f, and for alternatives
  (/etc/alternatives) every candidate.
Each file is mapped to its package by dpkg -S.  A package is fine when it is in
tests/deps.sh's list (bench/ files: its list or its "bench" list), or one of their
Depends/Pre-Depends (the installed packages' fields, recursively), or Essential or
Priority: required (a Debian minbase has those), or make or git (what a user needs
to clone and run make at all).

Prints one line per problem, "missing: ...", and exits 1 if there is any;
"unverified: ..." lines (exit status unaffected) for bench needs that cannot be
checked because the bench packages are not installed here.  Exit 0 otherwise.
"""

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys

# Python modules that only PyPI has (no Debian package): allowed in bench/ and in man
# EXAMPLES only, and the bench that imports them must skip cleanly when they are missing
# (tests/cli/man_examples.sh skips an example that uses onnxruntime without its venv).
PYPI_ONLY = {"onnxruntime", "albumentations"}
# What a user must have to clone and run make at all (make fresh-check adds them).
GIVEN = {"make", "git"}
STD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

SH_BUILTINS = set("""
. : [ [[ ]] alias bg break builtin cd command continue declare echo eval exec exit export false fc fg
getopts hash jobs kill let local printf pwd read readonly return set shift source test times trap
true type typeset ulimit umask unalias unset wait
if then else elif fi for while until do done case esac in function select { } !
""".split())
# wrapper: how many arguments (not options) come before the command it runs
WRAPPERS = {"timeout": 1, "env": 0, "nice": 0, "nohup": 0, "exec": 0, "command": 0, "xargs": 0,
            "time": 0, "stdbuf": 0, "taskset": 1, "check": 1, "expect_status": 2, "sudo": 0}
FUNC_WRAPPERS = {"check", "expect_status"}  # tests/lib.sh: no options
# shell functions (given a shell command string as first argument)
SHELL_STRING_ARG = {"best"}


# make fresh-check's script and this checker are tools of the host, not tests; the GPU tests and
# their benchmark run on a GPU machine whose software is not Debian's (tests/gpu.sh's header
# says what travels there)
NOT_SCANNED = {"fresh_check.sh", "deps_check.py", "gpu.sh", "bench_gpu.sh"}
# NVIDIA's CUDA toolkit, not Debian's: the Makefile builds the CUDA backend only when it is
# there (CUDA=auto; the README says how to install it)
NOT_DEBIAN = {"nvcc"}


def relpath(root, path):
    return os.path.relpath(path, root)


# ---------------------------------------------------------------- Python code

def optional_import_nodes(tree):
    """Import nodes inside a try whose handlers catch ImportError (or everything)."""
    opt = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        catches = False
        for h in node.handlers:
            names = []
            if h.type is None:
                catches = True
            elif isinstance(h.type, ast.Tuple):
                names = [e.id for e in h.type.elts if isinstance(e, ast.Name)]
            elif isinstance(h.type, ast.Name):
                names = [h.type.id]
            if set(names) & {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}:
                catches = True
        if catches:
            for b in node.body:
                for n in ast.walk(b):
                    if isinstance(n, (ast.Import, ast.ImportFrom)):
                        opt.add(id(n))
    return opt


def python_uses(code, where, line0=0):
    """(modules, programs) of a piece of Python code: lists of (name, line)."""
    mods, progs = [], []
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        # not quite Python (shell expansions in it): the import lines alone
        for i, ln in enumerate(code.splitlines()):
            for stmt in re.split(r";", ln):
                m = re.match(r"\s*import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)", stmt)
                if m:
                    for part in m.group(1).split(","):
                        mods.append((part.split()[0].split(".")[0], line0 + i + 1))
                m = re.match(r"\s*from\s+(\w[\w.]*)\s+import\b", stmt)
                if m:
                    mods.append((m.group(1).split(".")[0], line0 + i + 1))
        return mods, progs
    opt = optional_import_nodes(tree)
    for n in ast.walk(tree):
        if isinstance(n, ast.Import) and id(n) not in opt:
            for a in n.names:
                mods.append((a.name.split(".")[0], line0 + n.lineno))
        elif isinstance(n, ast.ImportFrom) and id(n) not in opt and n.level == 0 and n.module:
            mods.append((n.module.split(".")[0], line0 + n.lineno))
        elif isinstance(n, ast.Call) and n.args:
            f = n.func
            fname = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            a0 = n.args[0]
            if fname in ("run", "call", "check_call", "check_output", "Popen") and \
                    isinstance(a0, (ast.List, ast.Tuple)) and a0.elts and \
                    isinstance(a0.elts[0], ast.Constant) and isinstance(a0.elts[0].value, str):
                progs.append((a0.elts[0].value, line0 + n.lineno))
            elif fname in ("system", "popen") and isinstance(a0, ast.Constant) and isinstance(a0.value, str):
                w = a0.value.split()
                if w:
                    progs.append((w[0], line0 + n.lineno))
    return mods, progs


# ---------------------------------------------------------------- shell code

PY_RE = re.compile(r"(python3?\b|\$\{?PY\}?\b|\$\(PYTHON\)|\$\{?PYTHON\}?\b)")
HEREDOC_RE = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")


def split_heredocs(text):
    """The shell text without here-document bodies, and the bodies handed to python
    as (code, first line number)."""
    out, py = [], []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        ln = lines[i]
        out.append(ln)
        tags = HEREDOC_RE.findall(ln)
        i += 1
        for _, tag in tags:
            body, start = [], i
            while i < len(lines) and lines[i].strip() != tag:
                body.append(lines[i])
                out.append("")
                i += 1
            if i < len(lines):
                out.append("")
                i += 1
            if PY_RE.search(ln):
                py.append(("\n".join(body), start))
    return "\n".join(out), py


class ShellScan:
    """A small scanner of POSIX shell: finds the command names (with their line
    numbers), the Python code given to python3 -c, and the shell code given to
    sh -c.  Enough for the scripts of this project, not a full parser."""

    def __init__(self, text):
        self.s = text
        self.i = 0
        self.line = 1
        self.cmds = []      # (name, line)
        self.py = []        # (code, line)
        self.sub = []       # (shell code, line)
        self.bq = 0         # inside `...`

    def peek(self, k=0):
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def adv(self, n=1):
        for _ in range(n):
            if self.peek() == "\n":
                self.line += 1
            self.i += 1

    def skip_single(self):
        """At a ': the quoted text."""
        self.adv()
        start = self.i
        while self.peek() not in ("'", ""):
            self.adv()
        t = self.s[start:self.i]
        self.adv()
        return t

    def skip_double(self):
        """At a ": scans command substitutions in it; returns the text."""
        self.adv()
        start = self.i
        while self.peek() not in ('"', ""):
            c = self.peek()
            if c == "\\":
                self.adv(2)
            elif c == "$" and self.peek(1) == "(" and self.peek(2) != "(":
                self.adv(2)
                self.commands(")")
                self.adv()
            elif c == "$" and self.peek(1) == "(":
                self.skip_arith()
            elif c == "`":
                self.backquoted()
            else:
                self.adv()
        t = self.s[start:self.i]
        self.adv()
        return t

    def backquoted(self):
        """At a `: the commands up to the closing one."""
        self.adv()
        self.bq += 1
        self.commands("`")
        self.bq -= 1
        self.adv()

    def skip_arith(self):
        depth = 0
        while self.peek():
            c = self.peek()
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    self.adv()
                    return
            self.adv()

    def skip_brace(self):
        """At ${: to the matching }."""
        depth = 0
        while self.peek():
            c = self.peek()
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    self.adv()
                    return
            elif c == "'":
                self.skip_single()
                continue
            elif c == '"':
                self.skip_double()
                continue
            elif c == "$" and self.peek(1) == "(" and self.peek(2) != "(":
                self.adv(2)
                self.commands(")")
            self.adv()

    def word(self):
        """Reads one word; returns (literal text with quotes removed, raw, quoted texts)."""
        lit, quoted, start = [], [], self.i
        while True:
            c = self.peek()
            if c == "" or c in " \t\n;&|()<>" or (c == "`" and self.bq):
                break
            if c == "\\":
                if self.peek(1) == "\n":
                    self.adv(2)
                    continue
                lit.append(self.peek(1))
                self.adv(2)
            elif c == "'":
                line = self.line
                t = self.skip_single()
                lit.append(t)
                quoted.append(("'", t, line))
            elif c == '"':
                line = self.line
                t = self.skip_double()
                lit.append(t)
                quoted.append(('"', t, line))
            elif c == "$" and self.peek(1) == "(" and self.peek(2) != "(":
                self.adv(2)
                self.commands(")")
                self.adv()
                lit.append("$")
            elif c == "$" and self.peek(1) == "(":
                self.skip_arith()
                lit.append("$")
            elif c == "$" and self.peek(1) == "{":
                self.adv()
                self.skip_brace()
                lit.append("$")
            elif c == "`":
                self.backquoted()
                lit.append("$")
            else:
                lit.append(c)
                self.adv()
        return "".join(lit), self.s[start:self.i], quoted

    def commands(self, end):
        """Scans a command list up to the unmatched end character (")", "`" or "")."""
        cmdpos = True
        words = []          # words of the current simple command
        case_pat = False    # in a case pattern, before its )
        case_wait_in = False
        depth = 0
        while True:
            c = self.peek()
            if c == "":
                self.finish(words)
                return
            if c == end and depth == 0 and not case_pat:
                self.finish(words)
                return
            if c == "#" and (self.i == 0 or self.s[self.i - 1] in " \t\n;&|()"):
                while self.peek() not in ("\n", ""):
                    self.adv()
                continue
            if c in " \t":
                self.adv()
                continue
            if c == "\\" and self.peek(1) == "\n":
                self.adv(2)
                continue
            if c in "\n;&|":
                if case_pat and c == "|":
                    self.adv()
                    continue
                if c == ";" and self.peek(1) == ";":
                    case_pat = True
                    self.adv()
                self.finish(words)
                words = []
                cmdpos = True
                self.adv()
                continue
            if c == "(":
                depth += 1
                self.finish(words)
                words = []
                cmdpos = True
                self.adv()
                continue
            if c == ")":
                if case_pat:
                    case_pat = False
                else:
                    depth -= 1
                self.finish(words)
                words = []
                cmdpos = True
                self.adv()
                continue
            if c in "<>":
                while self.peek() in "<>&":
                    self.adv()
                while self.peek() in " \t":
                    self.adv()
                if self.peek() == "-":
                    self.adv()
                else:
                    self.word()  # the file
                continue
            if c.isdigit() and self.peek(1) in "<>":
                self.adv()
                continue
            line = self.line
            lit, raw, quoted = self.word()
            if case_wait_in:
                if lit == "in":
                    case_wait_in = False
                    case_pat = True
                continue
            if case_pat:
                if lit == "esac":
                    case_pat = False
                continue
            if cmdpos and not words and re.match(r"^[A-Za-z_]\w*=", raw):
                continue  # an assignment before the command
            if cmdpos and not words and lit in ("if", "then", "else", "elif", "do", "while", "until",
                                                "!", "{", "}", "fi", "done"):
                continue
            if cmdpos and not words and lit == "case":
                case_wait_in = True
                self.finish(words)
                words = []
                # the word after case, then "in"
                continue
            if cmdpos and not words and lit == "for":
                # for NAME in WORDS; do: no commands until "do" (the scanner sees ";")
                words = [("for", line, raw, quoted)]
                continue
            words.append((lit, line, raw, quoted))

    def finish(self, words):
        """One simple command's words: records the command (through wrappers)."""
        if not words or words[0][0] == "for":
            return
        k = 0
        while k < len(words):
            name, line, raw, quoted = words[k]
            if raw.endswith("()") or (k + 1 < len(words) and words[k + 1][2] == "()"):
                return  # a function definition: name()
            self.cmds.append((name, line))
            self.embedded(words, k)
            base = os.path.basename(name)
            if base in WRAPPERS:
                skip = WRAPPERS[base]
                k += 1
                while base not in FUNC_WRAPPERS and k < len(words) and (words[k][0].startswith("-") or
                                          (base == "env" and "=" in words[k][0]) or
                                          (base == "command" and words[k][0] == "-v")):
                    k += 1
                k += skip
                continue
            if base in SHELL_STRING_ARG and k + 1 < len(words):
                for q, t, ql in words[k + 1][3]:
                    self.sub.append((t, ql))
            return

    def embedded(self, words, k):
        """python3 -c CODE / sh -c CODE: the code."""
        name, raw = words[k][0], words[k][2]
        is_py = bool(PY_RE.search(raw))
        is_sh = os.path.basename(name) in ("sh", "bash", "dash")
        if not (is_py or is_sh):
            return
        for j in range(k + 1, len(words) - 1):
            if words[j][0] == "-c":
                for q, t, ql in words[j + 1][3]:
                    (self.py if is_py else self.sub).append((t, ql))
                return


def shell_uses(text, first=1, depth=0):
    """(programs, python code pieces, function names) of a shell text whose first
    line is line number first of its file; the python pieces come with the number
    of the line before their first."""
    body, py = split_heredocs(text)
    sc = ShellScan(body)
    sc.commands("")
    progs = [(n, first + ln - 1) for n, ln in sc.cmds]
    pys = [(c, first - 1 + start) for c, start in py] + [(c, first + ln - 2) for c, ln in sc.py]
    funcs = set(re.findall(r"^\s*(\w+)\s*\(\)", text, re.M))
    if depth < 3:
        for t, ln in sc.sub:
            p2, py2, f2 = shell_uses(t, first + ln - 1, depth + 1)
            progs += p2
            pys += py2
            funcs |= f2
    return progs, pys, funcs


def makefile_shell(text):
    """The recipes of a Makefile as shell text (line numbers kept): make's own
    variables become a placeholder word, $$ becomes $."""
    out = []
    lines = text.split("\n")
    in_recipe = cont = False
    for ln in lines:
        if cont:  # a rule or assignment line continued
            cont = ln.endswith("\\")
            out.append("")
            continue
        if ln.startswith("\t") and in_recipe:
            s = ln[1:].lstrip("@-+")
            s = re.sub(r"(?<!\$)\$[({][^)}]*[)}]", "$MAKEVAR", s.replace("$$", "\0"))
            s = re.sub(r"(?<!\$)\$[A-Za-z@<^*?]", "$MAKEVAR", s)
            out.append(s.replace("\0", "$"))
        else:
            stripped = ln.split("#")[0]
            in_recipe = bool(re.match(r"^[^\t=#][^=]*:(?!=)", stripped)) or (in_recipe and ln.startswith("\t"))
            cont = ln.endswith("\\")
            out.append("")
    # a recipe line ending in \ continues; a line that does not ends the command
    return "\n".join(out)


def man_examples(text):
    """The EXAMPLES of a man page (.Dl lines) as tests/cli/man_examples.sh runs them."""
    out, on = [], False
    for ln in text.split("\n"):
        if ln.startswith(".Sh "):
            on = ln.strip() == ".Sh EXAMPLES"
        if on and ln.startswith(".Dl "):
            s = ln[4:].replace("\\-", "-").replace("\\e", "\\").replace("\\(em", "-").replace("\\(dq", '"')
            out.append(s)
        else:
            out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- packages

def deps_lists(path):
    text = open(path, encoding="utf-8").read()
    base, bench = set(), set()
    for m in re.finditer(r'^(.*?)PKGS="([^"]*)"', text, re.M | re.S):
        prefix, val = m.group(1), m.group(2)
        if "$PKGS" in val:
            words = set(val.replace("$PKGS", " ").split())
            if "bench" in prefix.split("\n")[-1]:
                bench |= words
            else:
                base |= words
        else:
            base |= set(val.split())
    return base, bench


def installed():
    """{package: (essential, priority, depends list of alternative lists, provides)}"""
    out = subprocess.run(["dpkg-query", "-W", "-f",
                          "${db:Status-Abbrev}\t${Package}\t${Essential}\t${Priority}\t${Pre-Depends}, ${Depends}\t${Provides}\n"],
                         capture_output=True, text=True).stdout
    pk, provides = {}, {}
    for ln in out.split("\n"):
        f = ln.split("\t")
        if len(f) < 6 or not f[0].startswith("ii"):
            continue
        deps = []
        for grp in f[4].split(","):
            alts = [re.sub(r"\s*\(.*?\)|:\w+|\s*\[.*?\]", "", a).strip() for a in grp.split("|")]
            alts = [a for a in alts if a]
            if alts:
                deps.append(alts)
        pk[f[1]] = (f[2] == "yes", f[3], deps)
        for p in f[5].split(","):
            p = re.sub(r"\s*\(.*?\)", "", p).strip()
            if p:
                provides.setdefault(p, []).append(f[1])
    return pk, provides


def closure(start, pk, provides):
    seen, todo = set(), list(start)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        if p not in pk:
            continue
        for alts in pk[p][2]:
            for a in alts:      # the first alternative that is installed here
                if a in pk:
                    todo.append(a)
                    break
                if a in provides:
                    todo.extend(provides[a])
                    break
    return seen


def dpkg_owners(paths):
    """{path: set of packages} for the paths dpkg -S knows."""
    paths = sorted(set(paths))
    if not paths:
        return {}
    out = subprocess.run(["dpkg", "-S"] + paths, capture_output=True, text=True).stdout
    own = {}
    for ln in out.split("\n"):
        if ": /" not in ln or ln.startswith("diversion"):
            continue
        pkgs, path = ln.split(": ", 1)
        own.setdefault(path.strip(), set()).update(p.strip().split(":")[0] for p in pkgs.split(","))
    return own


def path_forms(p):
    """p, its target, and their /bin <-> /usr/bin (usrmerge) forms."""
    forms = []
    for q in (p, os.path.realpath(p)):
        forms.append(q)
        for a, b in (("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/"), ("/usr/lib/", "/lib/")):
            if q.startswith(a):
                forms.append(b + q[len(a):])
            elif q.startswith(b):
                forms.append(a + q[len(b):])
    return forms


def alternatives(p):
    """The candidates of an alternatives link (/usr/bin/awk -> /etc/alternatives/awk)."""
    q, hops = p, 0
    while os.path.islink(q) and hops < 10:
        t = os.readlink(q)
        q = os.path.join(os.path.dirname(q), t)
        if os.path.dirname(q) == "/etc/alternatives":
            r = subprocess.run(["update-alternatives", "--list", os.path.basename(q)],
                               capture_output=True, text=True)
            return [x for x in r.stdout.split() if x]
        hops += 1
    return []


# ---------------------------------------------------------------- main

def scan(root):
    """[(kind, name, file:line, is_bench)], project modules, project programs."""
    uses = []
    files = []
    for top in ("tests", "bench", "examples", "fuzz"):
        for d, dirs, fs in os.walk(os.path.join(root, top)):
            dirs[:] = sorted(x for x in dirs if x not in ("data", "corpus", "figures", "work", "work-tiny"))
            files += [os.path.join(d, f) for f in sorted(fs) if f not in NOT_SCANNED]
    if os.path.exists(os.path.join(root, "Makefile")):
        files.append(os.path.join(root, "Makefile"))
    pymods_local = {os.path.splitext(os.path.basename(f))[0] for f in files if f.endswith(".py")}
    progs_local = {os.path.splitext(f)[0] for f in os.listdir(os.path.join(root, "cmd")) if f.endswith(".c")}
    funcs = set()
    texts = []
    for f in files:
        try:
            text = open(f, encoding="utf-8").read()
        except (UnicodeDecodeError, OSError):
            continue
        rel = relpath(root, f)
        bench = rel.startswith("bench/")
        name = os.path.basename(f)
        abs_paths = re.finditer(r"(?<![\w/.$-])(/(?:usr/)?s?bin/[\w.+-]+)", text)
        for m in abs_paths:
            uses.append(("program", m.group(1), "%s:%d" % (rel, text.count("\n", 0, m.start()) + 1), bench))
        pieces, shell = [], None
        if f.endswith(".py"):
            pieces.append((text, 0))
        elif name == "Makefile" or f.endswith(".mk"):
            shell = makefile_shell(text)
        elif f.endswith(".sh") or text.startswith("#!/bin/sh"):
            shell = text
        if shell is not None:
            p, py, fn = shell_uses(shell)
            funcs |= fn
            texts.append((rel, bench, p))
            pieces += py
        for code, line0 in pieces:
            mods, progs = python_uses(code, rel, line0)
            for m, ln in mods:
                uses.append(("module", m, "%s:%d" % (rel, ln), bench))
            for m, ln in progs:
                uses.append(("program", m, "%s:%d" % (rel, ln), bench))
    mandir = os.path.join(root, "man")
    for f in sorted(os.listdir(mandir)):
        if f.endswith(".1"):
            p, py, fn = shell_uses(man_examples(open(os.path.join(mandir, f), encoding="utf-8").read()))
            texts.append(("man/" + f, False, p))
            for code, line0 in py:
                for m, ln in python_uses(code, f, line0)[0]:
                    # a line that uses ONNX Runtime: man_examples.sh runs it only with the
                    # venv that tests/cli/cnnconvert.sh makes, and skips it without
                    uses.append(("module", m, "man/%s:%d" % (f, ln), m in PYPI_ONLY))
    for rel, bench, progs in texts:
        for n, ln in progs:
            if n in funcs or n in SH_BUILTINS or n in progs_local or n in WRAPPERS and n in funcs:
                continue
            if not re.match(r"^[\w.+-]+$", n) and not n.startswith("/"):
                continue  # a variable, a path of the project, a glob
            if n.startswith("/") and not re.match(r"^/(usr/)?s?bin/", n):
                continue
            uses.append(("program", n, "%s:%d" % (rel, ln), bench))
    uses = [u for u in uses if not (u[0] == "program" and os.path.basename(u[1]) in (progs_local | funcs))]
    return uses, pymods_local


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    deps_sh = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "tests", "deps.sh")
    base, bench = deps_lists(deps_sh)
    pk, provides = installed()
    required = {p for p, v in pk.items() if v[0] or v[1] == "required"} | {"apt"} | GIVEN
    ok_base = closure(base | required, pk, provides)
    ok_bench = closure(base | bench | required, pk, provides)
    bench_complete = all(p in pk for p in bench)
    uses, local_mods = scan(root)
    if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
        sys.path.pop(0)

    # each name once, with the places that use it
    items = {}
    for kind, name, where, is_bench in uses:
        it = items.setdefault((kind, name), {"where": [], "bench_only": True})
        it["where"].append(where)
        it["bench_only"] &= is_bench

    problems, unverified = [], []
    files = {}   # (kind, name) -> candidate files
    for (kind, name), it in sorted(items.items()):
        if kind == "program" and os.path.basename(name) in NOT_DEBIAN:
            continue
        if kind == "module":
            if name in local_mods or name == "__future__" or name in sys.builtin_module_names:
                continue
            if name in PYPI_ONLY and it["bench_only"]:
                continue
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                spec = None
            if spec is None:
                it["missing"] = "not found by /usr/bin/python3"
                continue
            if spec.origin in ("built-in", "frozen"):
                continue
            cand = [spec.origin] if spec.origin else list(spec.submodule_search_locations or [])
        else:
            if name.startswith("/"):
                p = name if os.path.exists(name) else None
            else:
                p = shutil.which(name, path=STD_PATH)
            if p is None:
                it["missing"] = "not installed here" if not name.startswith("/") else "does not exist here"
                continue
            cand = [p] + alternatives(p)
        files[(kind, name)] = [f for c in cand for f in path_forms(c)]
    owners = dpkg_owners([f for fs in files.values() for f in fs])

    for (kind, name), it in sorted(items.items()):
        where = ", ".join(sorted(set(it["where"]))[:3]) + (" ..." if len(set(it["where"])) > 3 else "")
        what = "python module %s" % name if kind == "module" else "program %s" % name
        allowed = ok_bench if it["bench_only"] else ok_base
        lists = "tests/deps.sh (its bench list)" if it["bench_only"] else "tests/deps.sh"
        if "missing" in it:
            msg = "%s (%s): %s; install its Debian package and list it in %s" % (what, where, it["missing"], lists)
            if it["bench_only"] and not bench_complete:
                unverified.append("%s (%s): %s, and the bench packages are not all installed" % (what, where, it["missing"]))
            else:
                problems.append(msg)
            continue
        if (kind, name) not in files:
            continue
        pkgs = set()
        for f in files[(kind, name)]:
            pkgs |= owners.get(f, set())
        if os.environ.get("DEPS_CHECK_LIST"):
            print("%s: %s (%s)" % (what, " ".join(sorted(pkgs)), where))
        if not pkgs:
            problems.append("%s (%s): %s belongs to no Debian package" % (what, where, files[(kind, name)][0]))
        elif not pkgs & allowed:
            problems.append("%s (%s) is in Debian package %s, which %s does not list" %
                            (what, where, " or ".join(sorted(pkgs)), lists))
    for u in unverified:
        print("unverified: " + u)
    for p in problems:
        print("missing: " + p)
    n = len([k for k in items if k in files])
    print("deps_check: %d modules and programs checked, %d missing, %d unverified" % (n, len(problems), len(unverified)),
          file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
