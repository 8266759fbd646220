"""A small model of what Nextflow does with a process's inputs and script, for the static tests.

No Nextflow runs here, so the tests that check a module's command line need three of its
semantics, written after Nextflow's own source (25.10):

- **Staging** (``TaskProcessor.expandWildcards``): the name a ``path(x, stageAs: 'pattern')``
  input gets in the task directory. ``'reports/*'`` stages each file as ``reports/<its name>``;
  a ``*`` in a folder becomes the file's index (``'peaks/*/*'`` -> ``peaks/1/a.bed``,
  ``peaks/2/a.bed``); ``?`` an index padded to as many digits.
- **Staged paths in the script** (``TaskPath``): ``toString()`` and ``.name`` are the stage
  alias, folder included (``reports/x``); ``.baseName``/``.simpleName``/``.extension`` are
  taken from that whole alias (``reports/data-40_lambda0.01`` has baseName
  ``reports/data-40_lambda0``). A list of staged files prints blank-separated; an absent input
  (``[]``) prints as nothing.
- **The script's Groovy**: :func:`render` evaluates a script section (its ``def`` lines and
  the final GString) with a small interpreter of the Groovy the modules use: literals, GStrings,
  ``?:``, ``a ? b : c``, ``==``, ``!=``, ``in``, ``&&``, ``||``, ``!``, ``+``, ranges, indexing,
  property access (spread over lists, as Groovy's GPath), closures and a few methods
  (``collect``, ``findAll``, ``join``, ``size``, ``tokenize``, ...). Anything else raises
  :class:`Unsupported`, so a module that uses more Groovy fails the test until the model
  learns it, instead of being checked wrongly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


class Unsupported(Exception):
    """Groovy the model does not interpret (extend the model, do not skip the check)."""


# --- staging (nextflow.processor.TaskProcessor.expandWildcards) ---------------------------

def _replace_question_marks(name: str, index: int) -> str:
    return re.sub(r"\?+", lambda m: str(index).rjust(len(m.group(0)), "0"), name)


def _expand_one(pattern: str, stage_name: str, index: int, size: int) -> str:
    parent, _, name = pattern.rpartition("/")
    if name == "*" or not name:
        name = stage_name
    else:
        name = name.replace("*", "" if size <= 1 else str(index))
        name = _replace_question_marks(name, index)
    if parent:
        parent = _replace_question_marks(parent.replace("*", str(index)), index)
        return f"{parent}/{name}"
    return name


def stage_names(pattern: Optional[str], source_names: List[str]) -> List[str]:
    """The names ``source_names`` get in the task directory under ``stageAs: pattern``."""
    if not source_names:
        return []
    if not pattern or pattern == "*":
        return list(source_names)
    if "*" not in pattern and "?" not in pattern and len(source_names) > 1:
        pattern += "*"
    return [_expand_one(pattern, s, i + 1, len(source_names)) for i, s in enumerate(source_names)]


# --- values in a task's script ------------------------------------------------------------

def _base_name(name: str) -> str:
    return name[: name.rfind(".")] if "." in name else name


@dataclass(frozen=True)
class TaskPath:
    """A staged input as the script sees it (nextflow.processor.TaskPath): the stage alias."""

    alias: str

    def __str__(self):
        return self.alias

    def prop(self, name):
        if name in ("name", "fileName"):
            return self.alias if name == "name" else RelPath(self.alias)
        if name == "baseName":
            return _base_name(self.alias)
        if name == "simpleName":
            return self.alias.split(".")[0]
        if name == "extension":
            return self.alias[self.alias.rfind(".") + 1:] if "." in self.alias else ""
        if name == "parent":
            return None
        raise Unsupported(f"TaskPath.{name}")


@dataclass(frozen=True)
class RelPath:
    """A plain java.nio Path (e.g. TaskPath.fileName, or a file in a workflow): .name is the last component."""

    path: str

    def __str__(self):
        return self.path

    def prop(self, name):
        last = self.path.rstrip("/").split("/")[-1]
        if name == "name":
            return last
        if name == "baseName":
            return _base_name(last)
        if name == "simpleName":
            return last.split(".")[0]
        if name == "parent":
            head = self.path.rstrip("/").rpartition("/")[0]
            return RelPath(head) if head else None
        raise Unsupported(f"Path.{name}")


class StagedList(list):
    """A list of staged inputs (Nextflow's BlankSeparatedList): prints blank-separated."""


@dataclass
class Closure:
    params: List[str]
    body: Any
    env: Dict[str, Any]

    def __call__(self, interp, *args):
        local = dict(self.env)
        if not self.params and len(args) == 1:
            local["it"] = args[0]
        if len(self.params) > 1 and len(args) == 1 and isinstance(args[0], (list, tuple)):
            args = tuple(args[0])  # Groovy destructures a list into several closure parameters
        local.update(zip(self.params, args))
        return interp.eval(self.body, local)


def truth(value) -> bool:
    """Groovy truth."""
    if isinstance(value, (TaskPath, RelPath)):
        return True
    return bool(value)


def gstr(value) -> str:
    """Groovy toString of a value interpolated in a GString."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, StagedList):
        return " ".join(gstr(v) for v in value)
    if isinstance(value, list):
        return "[" + ", ".join(gstr(v) for v in value) + "]"
    if isinstance(value, dict):
        return "[" + ", ".join(f"{k}:{gstr(v)}" for k, v in value.items()) + "]"
    return str(value)


# --- tokens -----------------------------------------------------------------------------------

_OPS = ["..<", "?.", "?:", "..", "->", "==", "!=", "<=>", "<=", ">=", "&&", "||", "?", ":", ".", ",", "(", ")",
        "[", "]", "{", "}", "!", "+", "-", "*", "<", ">", "="]
_OPS.sort(key=len, reverse=True)
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"', "$": "$"}


@dataclass
class Tok:
    kind: str  # num, str, gstr, id, op, nl, end
    value: Any


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text, flags=re.S)


def _gstring_parts(raw: str) -> List[Any]:
    """Literal text and ``("expr", source)`` parts of a GString body (escapes resolved)."""
    parts, i, buf = [], 0, ""
    while i < len(raw):
        c = raw[i]
        if c == "\\" and i + 1 < len(raw):
            buf += _ESCAPES.get(raw[i + 1], "\\" + raw[i + 1])
            i += 2
        elif c == "$" and raw.startswith("${", i):
            depth, j = 0, i + 1
            while True:
                if raw[j] == "{":
                    depth += 1
                elif raw[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                elif raw[j] in "\"'":
                    q = raw[j]
                    j += 1
                    while raw[j] != q:
                        j += 2 if raw[j] == "\\" else 1
                j += 1
            parts.append(buf)
            buf = ""
            parts.append(("expr", raw[i + 2:j]))
            i = j + 1
        elif c == "$" and re.match(r"[A-Za-z_]", raw[i + 1:i + 2]):
            m = re.match(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*", raw[i + 1:])
            parts.append(buf)
            buf = ""
            parts.append(("expr", m.group(0)))
            i += 1 + len(m.group(0))
        else:
            buf += c
            i += 1
    parts.append(buf)
    return parts


def tokenize(text: str) -> List[Tok]:
    toks, i, depth = [], 0, 0
    while i < len(text):
        c = text[i]
        if c in " \t\r":
            i += 1
        elif c == "\\" and text[i + 1:i + 2] == "\n":
            i += 2
        elif c == "\n":
            if depth == 0:
                toks.append(Tok("nl", None))
            i += 1
        elif text.startswith('"""', i) or text.startswith("'''", i):
            q = text[i:i + 3]
            j = i + 3
            while not text.startswith(q, j):
                j += 2 if text[j] == "\\" else 1
            raw = text[i + 3:j]
            toks.append(Tok("gstr", _gstring_parts(raw)) if q == '"""' else Tok("str", _unescape(raw)))
            i = j + 3
        elif c in "\"'":
            j = i + 1
            while text[j] != c:
                j += 2 if text[j] == "\\" else 1
            raw = text[i + 1:j]
            toks.append(Tok("gstr", _gstring_parts(raw)) if c == '"' else Tok("str", _unescape(raw)))
            i = j + 1
        elif c.isdigit():
            m = re.match(r"\d+(\.\d+)?", text[i:])
            toks.append(Tok("num", float(m.group(0)) if m.group(1) else int(m.group(0))))
            i += len(m.group(0))
        elif c.isalpha() or c == "_":
            m = re.match(r"\w+", text[i:])
            toks.append(Tok("id", m.group(0)))
            i += len(m.group(0))
        else:
            op = next((o for o in _OPS if text.startswith(o, i)), None)
            if op is None:
                raise Unsupported(f"character {c!r} in {text[max(0, i - 20):i + 20]!r}")
            depth += op in "([{"
            depth -= op in ")]}"
            toks.append(Tok("op", op))
            i += len(op)
    # a line that starts with .method continues the previous one (method chains)
    out = []
    for k, t in enumerate(toks):
        if t.kind == "nl" and k + 1 < len(toks) and toks[k + 1].kind == "op" and toks[k + 1].value in (".", "?.", "?:", "?", ":"):
            continue
        out.append(t)
    out.append(Tok("end", None))
    return out


# --- parser (expressions as nested tuples) -------------------------------------------------------

_BINARY = {"||": 2, "&&": 3, "==": 4, "!=": 4, "in": 4, "<": 5, ">": 5, "<=": 5, ">=": 5, "<=>": 5,
           "..": 6, "..<": 6, "+": 7, "-": 7, "*": 8}


class Parser:
    def __init__(self, text: str):
        self.toks = tokenize(text)
        self.i = 0

    def peek(self, k=0) -> Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def at(self, kind, value=None, k=0) -> bool:
        t = self.peek(k)
        return t.kind == kind and (value is None or t.value == value)

    def expect(self, kind, value=None) -> Tok:
        if not self.at(kind, value):
            raise Unsupported(f"expected {value or kind}, found {self.peek().kind} {self.peek().value!r}")
        return self.next()

    def skip_nl(self):
        while self.at("nl"):
            self.next()

    def statements(self) -> List[Any]:
        out = []
        self.skip_nl()
        while not self.at("end") and not self.at("op", "}"):
            if self.at("id", "def"):
                self.next()
                name = self.expect("id").value
                self.expect("op", "=")
                out.append(("assign", name, self.expr()))
            elif self.at("id") and self.at("op", "=", 1):
                name = self.next().value
                self.next()
                out.append(("assign", name, self.expr()))
            else:
                out.append(("expr", self.expr()))
            self.skip_nl()
        return out

    def expr(self):
        cond = self.binary(0)
        if self.at("op", "?:"):
            self.next()
            self.skip_nl()
            return ("elvis", cond, self.expr())
        if self.at("op", "?"):
            self.next()
            self.skip_nl()
            a = self.expr()
            self.skip_nl()
            self.expect("op", ":")
            self.skip_nl()
            return ("cond", cond, a, self.expr())
        return cond

    def binary(self, min_prec):
        left = self.unary()
        while True:
            t = self.peek()
            op = t.value if t.kind in ("op", "id") else None
            prec = _BINARY.get(op)
            if prec is None or prec <= min_prec:
                return left
            self.next()
            self.skip_nl()
            left = ("bin", op, left, self.binary(prec))

    def unary(self):
        if self.at("op", "!"):
            self.next()
            return ("not", self.unary())
        if self.at("op", "-"):
            self.next()
            return ("neg", self.unary())
        return self.postfix(self.primary())

    def closure(self):
        self.expect("op", "{")
        params = []
        k = 0
        while self.at("id", k=k) or self.at("op", ",", k=k):
            k += 1
        if self.at("op", "->", k=k):
            while not self.at("op", "->"):
                t = self.next()
                if t.kind == "id":
                    params.append(t.value)
            self.next()
        body = self.statements()
        self.expect("op", "}")
        return ("closure", params, body)

    def args(self):
        self.expect("op", "(")
        args, named = [], {}
        while not self.at("op", ")"):
            if self.at("id") and self.at("op", ":", 1):
                key = self.next().value
                self.next()
                named[key] = self.expr()
            else:
                args.append(self.expr())
            if self.at("op", ","):
                self.next()
        self.next()
        if named:
            args.insert(0, ("map", list(named.items())))
        return args

    def postfix(self, node):
        while True:
            if self.at("op", ".") or self.at("op", "?."):
                safe = self.next().value == "?."
                name = self.expect("id").value
                if self.at("op", "(") or self.at("op", "{"):
                    args = self.args() if self.at("op", "(") else []
                    if self.at("op", "{"):
                        args.append(self.closure())
                    node = ("call", node, name, args, safe)
                else:
                    node = ("prop", node, name, safe)
            elif self.at("op", "["):
                self.next()
                index = self.expr()
                self.expect("op", "]")
                node = ("index", node, index)
            else:
                return node

    def primary(self):
        t = self.next()
        if t.kind in ("num", "str"):
            return ("lit", t.value)
        if t.kind == "gstr":
            return ("gstr", [p if isinstance(p, str) else Parser(p[1]).expr() for p in t.value])
        if t.kind == "id":
            if t.value in ("true", "false", "null"):
                return ("lit", {"true": True, "false": False, "null": None}[t.value])
            if self.at("op", "("):
                return ("fcall", t.value, self.args())
            return ("var", t.value)
        if t.kind == "op" and t.value == "(":
            node = self.expr()
            self.expect("op", ")")
            return node
        if t.kind == "op" and t.value == "[":
            if self.at("op", ":") and self.at("op", "]", 1):
                self.next()
                self.next()
                return ("map", [])
            items, entries = [], []
            while not self.at("op", "]"):
                self.skip_nl()
                if (self.at("id") or self.at("str")) and self.at("op", ":", 1):
                    key = self.next().value
                    self.next()
                    entries.append((key, self.expr()))
                else:
                    items.append(self.expr())
                self.skip_nl()
                if self.at("op", ","):
                    self.next()
                self.skip_nl()
            self.next()
            return ("map", entries) if entries else ("list", items)
        if t.kind == "op" and t.value == "{":
            self.i -= 1
            return self.closure()
        raise Unsupported(f"unexpected {t.kind} {t.value!r}")


# --- interpreter ---------------------------------------------------------------------------------

class Interpreter:
    def run(self, statements, env: Dict[str, Any]):
        """Run statements in ``env`` (assignments update it); return the last expression's value."""
        value = None
        for st in statements:
            if st[0] == "assign":
                env[st[1]] = value = self.eval(st[2], env)
            else:
                value = self.eval(st[1], env)
        return value

    def eval(self, node, env):
        if isinstance(node, list):  # a closure body
            return self.run(node, dict(env))
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "gstr":
            return "".join(p if isinstance(p, str) else gstr(self.eval(p, env)) for p in node[1])
        if kind == "var":
            if node[1] not in env:
                raise Unsupported(f"unknown variable {node[1]}")
            return env[node[1]]
        if kind == "list":
            return [self.eval(n, env) for n in node[1]]
        if kind == "map":
            return {k: self.eval(v, env) for k, v in node[1]}
        if kind == "closure":
            return Closure(node[1], node[2], env)
        if kind == "elvis":
            v = self.eval(node[1], env)
            return v if truth(v) else self.eval(node[2], env)
        if kind == "cond":
            return self.eval(node[2], env) if truth(self.eval(node[1], env)) else self.eval(node[3], env)
        if kind == "not":
            return not truth(self.eval(node[1], env))
        if kind == "neg":
            return -self.eval(node[1], env)
        if kind == "bin":
            return self.binary(node[1], node[2], node[3], env)
        if kind == "prop":
            target = self.eval(node[1], env)
            if target is None and node[3]:
                return None
            return self.prop(target, node[2])
        if kind == "index":
            target, index = self.eval(node[1], env), self.eval(node[2], env)
            if isinstance(target, dict):
                return target.get(index)
            return target[index]
        if kind == "call":
            target = self.eval(node[1], env)
            if target is None and node[4]:
                return None
            return self.method(target, node[2], [self.eval(a, env) for a in node[3]])
        if kind == "fcall":
            raise Unsupported(f"function call {node[1]}()")
        raise Unsupported(kind)

    def binary(self, op, a_node, b_node, env):
        a = self.eval(a_node, env)
        if op == "&&":
            return truth(a) and truth(self.eval(b_node, env))
        if op == "||":
            return truth(a) or truth(self.eval(b_node, env))
        b = self.eval(b_node, env)
        if op == "==":
            return gstr(a) == gstr(b) if isinstance(a, (TaskPath, RelPath)) else a == b
        if op == "!=":
            return a != b
        if op == "in":
            return a in b
        if op == "..":
            return list(range(a, b + 1))
        if op == "..<":
            return list(range(a, b))
        if op == "+":
            if isinstance(a, str) or isinstance(b, str):
                return gstr(a) + gstr(b)
            return a + b
        ops = {"-": lambda: a - b, "*": lambda: a * b, "<": lambda: a < b, ">": lambda: a > b,
               "<=": lambda: a <= b, ">=": lambda: a >= b, "<=>": lambda: (a > b) - (a < b)}
        return ops[op]()

    def prop(self, target, name):
        if isinstance(target, dict):
            return target.get(name)
        if isinstance(target, (TaskPath, RelPath)):
            return target.prop(name)
        if isinstance(target, list):  # GPath: the property of every element
            return [self.prop(t, name) for t in target]
        raise Unsupported(f"property {name} of {type(target).__name__}")

    def method(self, target, name, args):
        if isinstance(target, list):
            if name == "collect":
                return [args[0](self, v) for v in target]
            if name == "findAll":
                return [v for v in target if truth(args[0](self, v))]
            if name == "join":
                return (args[0] if args else "").join(gstr(v) for v in target)
            if name == "size":
                return len(target)
            if name == "isEmpty":
                return not target
            if name == "first":
                return target[0]
            if name == "last":
                return target[-1]
            if name == "contains":
                return args[0] in target
        if isinstance(target, str):
            if name == "tokenize":
                seps = args[0] if args else " \t\n\r\f"
                return [t for t in re.split("[" + re.escape(seps) + "]", target) if t]
            if name == "toString":
                return target
            if name == "size":
                return len(target)
            if name in ("startsWith", "endsWith", "contains"):
                return {"startsWith": target.startswith, "endsWith": target.endswith,
                        "contains": target.__contains__}[name](args[0])
            if name == "replace":
                return target.replace(args[0], args[1])
            if name in ("toLowerCase", "toUpperCase", "trim"):
                return {"toLowerCase": target.lower, "toUpperCase": target.upper, "trim": target.strip}[name]()
        if isinstance(target, (TaskPath, RelPath)):
            if name == "toString":
                return str(target)
            if name.startswith("get") and len(args) == 0:
                return target.prop(name[3].lower() + name[4:])
        if name == "toString":
            return gstr(target)
        raise Unsupported(f"method {name}() of {type(target).__name__}")


def evaluate(source: str, env: Dict[str, Any]):
    """Run Groovy statements ``source`` in ``env`` (updated with its assignments); return the last value."""
    return Interpreter().run(Parser(source).statements(), env)


def render(script_section: str, env: Dict[str, Any]) -> str:
    """The command a process's ``script:`` section renders to, with ``env`` as its inputs."""
    value = evaluate(script_section, env)
    if not isinstance(value, str):
        raise Unsupported(f"script section ends with {type(value).__name__}, not a string")
    return value


# --- a process's inputs -------------------------------------------------------------------------

@dataclass
class Input:
    kind: str  # val or path
    name: str
    stage_as: Optional[str] = None
    arity: Optional[str] = None


def parse_inputs(input_section: str) -> List[Input]:
    """The ``val(x)``/``path(x, stageAs: '...', arity: '...')`` declarations, in order."""
    out = []
    for m in re.finditer(r"\b(val|path)\((\w+)((?:\s*,\s*\w+:\s*'[^']*')*)\)", input_section):
        opts = dict(re.findall(r"(\w+):\s*'([^']*)'", m.group(3)))
        out.append(Input(m.group(1), m.group(2), opts.get("stageAs"), opts.get("arity")))
    return out


@dataclass(frozen=True)
class Src:
    """A file (or folder, ``is_dir``) given to a path input, by the name it has upstream."""

    name: str
    is_dir: bool = False
    files: tuple = field(default=())  # files inside a folder


def staged_value(inp: Input, sources) -> Any:
    """What the script sees for ``inp`` given ``sources`` (one Src, a list of them, or [])."""
    many = isinstance(sources, list)
    srcs = sources if many else [sources]
    aliases = stage_names(inp.stage_as, [s.name for s in srcs])
    if not many and inp.arity is None:
        return TaskPath(aliases[0])
    return StagedList(TaskPath(a) for a in aliases)
