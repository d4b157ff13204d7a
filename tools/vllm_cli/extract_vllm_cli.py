#!/usr/bin/env python3
"""Read the options of `vllm serve` from a vLLM source tree, statically.

This reads vLLM's Python files as text (Python's `ast`); it never imports or runs vLLM. It walks the
functions that build the `vllm serve` parser (EngineArgs/AsyncEngineArgs.add_cli_args, the OpenAI
server's make_arg_parser / FrontendArgs, the serve subcommand) in statement order, and for each
`add_argument(...)` call records the option strings, dest, and the argparse keyword arguments.
Where the kwargs come from vLLM's `get_kwargs(SomeConfig)` (dataclass introspection, vLLM >= 0.8.5),
the dataclass field's annotation and default are read from the config module and mapped to argparse
kwargs by the same rules vLLM's get_kwargs applies (bool -> BooleanOptionalAction, Literal ->
choices, list/tuple -> nargs '+', int, float, dict -> JSON, dataclass -> JSON, other -> str).

What it cannot evaluate (a default computed by a function call, a registry filled at import time)
is written as the source expression with "default_expr" and flagged, never guessed.

Usage: extract_vllm_cli.py GIT_DIR COMMIT PREFIX TAG OUT.json
  PREFIX: path of the vLLM package root inside the tree ('' for vllm-project/vllm and forks,
  'vllm/' for a tree that vendors vLLM under vllm/).
"""
import ast
import json
import re
import subprocess
import sys

GIT, COMMIT, PREFIX, TAG, OUT = sys.argv[1:6]


def git_show(path):
    r = subprocess.run(["git", "--git-dir", GIT, "show", f"{COMMIT}:{PREFIX}{path}"],
                       capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None


def git_ls(path):
    r = subprocess.run(["git", "--git-dir", GIT, "ls-tree", "-r", "--name-only", COMMIT,
                        f"{PREFIX}{path}"], capture_output=True, text=True)
    return [p[len(PREFIX):] for p in r.stdout.split()]


FILES_READ = []


def load(path):
    text = git_show(path)
    if text is None:
        return None
    FILES_READ.append(path)
    return ast.parse(text)


# ---------------------------------------------------------------- symbol table
CLASSES = {}      # name -> ClassDef
CLASS_MOD = {}    # name -> module path
ASSIGNS = {}      # module-level Name -> value AST (last wins; per file first)
MODULES = {}


def index_module(path, tree):
    MODULES[path] = tree
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            CLASSES.setdefault(node.name, node)
            CLASS_MOD.setdefault(node.name, path)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            ASSIGNS.setdefault(node.targets[0].id, node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            ASSIGNS.setdefault(node.target.id, node.value)
        elif isinstance(node, (ast.If, ast.Try)):
            for sub in node.body:
                if isinstance(sub, ast.Assign) and len(sub.targets) == 1 and isinstance(sub.targets[0], ast.Name):
                    ASSIGNS.setdefault(sub.targets[0].id, sub.value)


def is_dataclass(cls):
    for d in cls.decorator_list:
        s = ast.unparse(d)
        if "dataclass" in s or s == "config" or s.startswith("config("):
            return True
    return False


def is_enum(cls):
    return any(re.search(r"Enum\b", ast.unparse(b)) for b in cls.bases)


def enum_values(cls):
    vals = []
    for n in cls.body:
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant):
            vals.append(n.value.value)
    return vals


def dataclass_fields(name, seen=None):
    """Fields of a dataclass (own and inherited), in order: name -> (annotation, default AST, factory AST)."""
    cls = CLASSES.get(name)
    if cls is None:
        return {}
    out = {}
    for b in cls.bases:
        bn = ast.unparse(b)
        if bn in CLASSES and bn != name:
            out.update(dataclass_fields(bn))
    for n in cls.body:
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name):
            if "ClassVar" in ast.unparse(n.annotation) or "InitVar" in ast.unparse(n.annotation):
                continue
            default, factory = n.value, None
            if isinstance(n.value, ast.Call) and ast.unparse(n.value.func).split(".")[-1] in ("field", "Field"):
                default = None
                for kw in n.value.keywords:
                    if kw.arg == "default":
                        default = kw.value
                    elif kw.arg == "default_factory":
                        factory = kw.value
                if default is None and factory is None:
                    default = "MISSING"
            out[n.target.id] = (n.annotation, default, factory)
    return out


# ---------------------------------------------------------------- value evaluation
class Unresolved(Exception):
    pass


def evaluate(node, depth=0):
    """Best-effort constant evaluation of an expression AST. Raises Unresolved."""
    if depth > 12:
        raise Unresolved
    if isinstance(node, str):
        raise Unresolved
    try:
        return ast.literal_eval(node)
    except Exception:
        pass
    if isinstance(node, ast.Name):
        if node.id in ("None", "True", "False"):
            return {"None": None, "True": True, "False": False}[node.id]
        if node.id in ASSIGNS:
            return evaluate(ASSIGNS[node.id], depth + 1)
        raise Unresolved
    if isinstance(node, ast.Attribute) and node.attr == "value" and isinstance(node.value, ast.Attribute):
        return evaluate(node.value, depth + 1)
    if isinstance(node, ast.Attribute) and ast.unparse(node.value) == "envs":
        return f"${{{node.attr}}} (environment variable; see env)"
    if isinstance(node, ast.Attribute):
        base = ast.unparse(node.value)
        if base in CLASSES:
            cls = CLASSES[base]
            if is_enum(cls):
                for n in cls.body:
                    if isinstance(n, ast.Assign) and any(
                            isinstance(t, ast.Name) and t.id == node.attr for t in n.targets):
                        return evaluate(n.value, depth + 1)
            f = dataclass_fields(base).get(node.attr)
            if f is not None:
                ann, default, factory = f
                if factory is not None:
                    return eval_factory(factory, depth + 1)
                if default is None or default == "MISSING":
                    raise Unresolved
                return evaluate(default, depth + 1)
            for n in cls.body:  # class constant
                if isinstance(n, (ast.Assign, ast.AnnAssign)):
                    tgt = n.targets[0] if isinstance(n, ast.Assign) else n.target
                    if isinstance(tgt, ast.Name) and tgt.id == node.attr and n.value is not None:
                        return evaluate(n.value, depth + 1)
        raise Unresolved
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        out = []
        for e in node.elts:
            if isinstance(e, ast.Starred):
                out.extend(evaluate(e.value, depth + 1))
            else:
                out.append(evaluate(e, depth + 1))
        return out
    if ast.unparse(node) == "int(ssl.CERT_NONE)":
        return 0  # Python's ssl.CERT_NONE
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return evaluate(node.left, depth + 1) + evaluate(node.right, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return evaluate(node.left, depth + 1) * evaluate(node.right, depth + 1)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -evaluate(node.operand, depth + 1)
    if isinstance(node, ast.Call):
        fn = ast.unparse(node.func)
        if fn in ("get_args", "typing.get_args") and node.args:
            h = type_hints(node.args[0])
            for k in h:
                if k[0] == "literal":
                    return list(k[1])
            raise Unresolved
        if fn in ("list", "tuple", "sorted") and node.args:
            v = evaluate(node.args[0], depth + 1)
            return sorted(v) if fn == "sorted" else list(v)
        if fn.endswith(".keys") and isinstance(node.func, ast.Attribute):
            v = evaluate(node.func.value, depth + 1)
            if isinstance(v, dict):
                return list(v.keys())
        if fn in ("dict",) and not node.args:
            return {kw.arg: evaluate(kw.value, depth + 1) for kw in node.keywords}
        raise Unresolved
    if isinstance(node, ast.ListComp) and len(node.generators) == 1:
        g = node.generators[0]
        it = ast.unparse(g.iter)
        tgt = ast.unparse(g.target)
        if it in CLASSES and is_enum(CLASSES[it]) and ast.unparse(node.elt) == f"{tgt}.value":
            return enum_values(CLASSES[it])
        raise Unresolved
    if isinstance(node, ast.Dict):
        return {evaluate(k, depth + 1): evaluate(v, depth + 1) for k, v in zip(node.keys, node.values)}
    raise Unresolved


def eval_factory(factory, depth=0):
    s = ast.unparse(factory)
    if s in ("dict",):
        return {}
    if s in ("list", "set", "tuple"):
        return []
    if isinstance(factory, ast.Lambda):
        return evaluate(factory.body, depth + 1)
    if s in CLASSES:
        return f"{s}() (the config class's own defaults)"
    raise Unresolved


# ---------------------------------------------------------------- type hints
def type_hints(ann, depth=0):
    """Set of hint tuples, as vLLM's get_type_hints flattens Union/Optional/Annotated."""
    if depth > 10 or ann is None:
        return {("any",)}
    if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
        try:
            return type_hints(ast.parse(ann.value, mode="eval").body, depth + 1)
        except SyntaxError:
            return {("custom", ann.value)}
    if isinstance(ann, ast.Constant) and ann.value is None:
        return {("none",)}
    if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
        return type_hints(ann.left, depth + 1) | type_hints(ann.right, depth + 1)
    if isinstance(ann, ast.Subscript):
        base = ast.unparse(ann.value).split(".")[-1]
        sl = ann.slice
        args = sl.elts if isinstance(sl, ast.Tuple) else [sl]
        if base in ("Optional",):
            return type_hints(args[0], depth + 1) | {("none",)}
        if base in ("Union",):
            out = set()
            for a in args:
                out |= type_hints(a, depth + 1)
            return out
        if base in ("Annotated", "SkipValidation", "Required", "NotRequired", "Final", "ReadOnly"):
            return type_hints(args[0], depth + 1)
        if base == "Literal":
            vals = []
            for a in args:
                try:
                    vals.append(evaluate(a))
                except Unresolved:
                    inner = type_hints(a, depth + 1)  # Literal[..., OtherLiteralAlias] flattens
                    lit = [x for x in inner if x[0] == "literal"]
                    if lit:
                        vals.extend(lit[0][1])
                    else:
                        vals.append(ast.unparse(a))
            return {("literal", tuple(vals))}
        if base in ("list", "List", "Sequence", "set", "Set"):
            return {("list", frozenset(type_hints(args[0], depth + 1)))}
        if base in ("tuple", "Tuple"):
            return {("tuple", frozenset(type_hints(args[0], depth + 1)),
                     any(isinstance(a, ast.Constant) and a.value is Ellipsis for a in args), len(args))}
        if base in ("dict", "Dict", "Mapping"):
            return {("dict",)}
        if base in ("type", "Type", "Callable"):
            return {("custom", base)}
        return {("custom", base)}
    if isinstance(ann, (ast.Name, ast.Attribute)):
        name = ast.unparse(ann)
        short = name.split(".")[-1]
        if short in ("bool", "int", "float", "str"):
            return {(short,)}
        if short in ("dict", "Dict"):
            return {("dict",)}
        if short in ("list", "List"):
            return {("list", frozenset({("any",)}))}
        if short == "Any":
            return {("any",)}
        if short in CLASSES:
            c = CLASSES[short]
            if is_dataclass(c):
                return {("dataclass", short)}
            return {("custom", short)}
        if short in ASSIGNS:
            return type_hints(ASSIGNS[short], depth + 1)
        return {("custom", short)}
    return {("any",)}


def has(h, kind):
    return any(x[0] == kind for x in h)


def get(h, kind):
    return next(x for x in h if x[0] == kind)


HUMAN_INTS = {}  # field name -> helper ('human_readable_int' or 'human_readable_int_or_auto')


def find_human_ints(tree):
    """Which int fields vLLM's get_kwargs gives a human-readable parser (read from its body)."""
    for fn in ast.walk(tree):
        if not (isinstance(fn, ast.FunctionDef) and fn.name in ("_compute_kwargs", "get_kwargs")):
            continue
        sets = {}
        for n in ast.walk(fn):
            if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name) and isinstance(n.value, (ast.Set, ast.Tuple, ast.List)):
                try:
                    sets[n.targets[0].id] = evaluate(n.value)
                except Unresolved:
                    pass
        for n in ast.walk(fn):
            if not isinstance(n, ast.If):
                continue
            t = n.test
            names = None
            if isinstance(t, ast.Compare) and ast.unparse(t.left) == "name":
                c = t.comparators[0]
                if isinstance(t.ops[0], ast.Eq) and isinstance(c, ast.Constant):
                    names = [c.value]
                elif isinstance(t.ops[0], ast.In):
                    try:
                        names = evaluate(c)
                    except Unresolved:
                        names = sets.get(ast.unparse(c))
            if not names:
                continue
            helper = None
            for b in n.body:
                if isinstance(b, ast.Assign) and "human_readable" in ast.unparse(b.value):
                    helper = ast.unparse(b.value)
            if helper:
                for nm in names:
                    HUMAN_INTS.setdefault(nm, helper)


def kwargs_from_field(cls_name, field_name, era):
    """What vLLM's get_kwargs(cls)[field] gives, as our schema's keys."""
    f = dataclass_fields(cls_name).get(field_name)
    if f is None:
        return {"type": "str", "_unresolved": f"field {cls_name}.{field_name} not found"}
    ann, default, factory = f
    out = {"_from": f"{cls_name}.{field_name}", "_annotation": ast.unparse(ann)}
    try:
        if factory is not None:
            out["default"] = eval_factory(factory)
        elif default is None or default == "MISSING":
            out["default"] = None
            if default == "MISSING":
                out["_default_missing"] = True
        else:
            out["default"] = evaluate(default)
    except Unresolved:
        out["default_expr"] = ast.unparse(factory if factory is not None else default)
    h = type_hints(ann)
    if has(h, "dataclass"):
        out["type"] = "json"
    elif has(h, "bool"):
        out["type"] = "bool_optional"
    elif has(h, "literal"):
        vals = list(get(h, "literal")[1])
        if has(h, "str") and era >= 2:
            out["type"] = "str"
            out["metavar_choices"] = sorted(map(str, vals))
        else:
            out["type"] = "choice"
            try:
                out["choices"] = sorted(vals) if era >= 2 else vals
            except TypeError:
                out["choices"] = vals
            if has(h, "none") and era >= 2:
                out["choices"] = out["choices"] + ["None"]
    elif has(h, "tuple"):
        t = get(h, "tuple")
        out["type"] = "list"
        out["nargs"] = "+" if (t[2] or era < 2) else t[3]
        out["element"] = elem_name(t[1])
    elif has(h, "list"):
        out["type"] = "list"
        out["nargs"] = "+"
        out["element"] = elem_name(get(h, "list")[1])
    elif has(h, "int"):
        out["type"] = "int"
        if field_name in HUMAN_INTS:
            out["type"] = "human_int"
            out["parser_fn"] = HUMAN_INTS[field_name]
    elif has(h, "float"):
        out["type"] = "float"
    elif has(h, "dict"):
        out["type"] = "json" if not (has(h, "str") or has(h, "custom")) else "json_or_str"
    else:
        out["type"] = "str"
    if has(h, "none") and not has(h, "bool"):
        out["optional_none"] = True  # the literal string "None" (or "") parses to None
    return out


def elem_name(hs):
    for k in ("int", "float", "str"):
        if any(x[0] == k for x in hs):
            return k
    if any(x[0] == "literal" for x in hs):
        return "choice"
    return "str"


# ---------------------------------------------------------------- walking add_argument calls
TYPE_NAMES = {
    "int": "int", "float": "float", "str": "str", "bool": "bool",
    "nullable_str": "str", "optional_str": "str", "optional_int": "int", "optional_float": "float",
    "json.loads": "json", "optional_dict": "json", "nullable_kvs": "kvs", "human_readable_int": "human_int",
    "human_readable_int_or_auto": "human_int",
    "parse_type(json.loads)": "json", "union_dict_and_str": "json_or_str",
    "StoreBoolean": "bool",
}


def explicit_type(node):
    s = ast.unparse(node)
    if s in TYPE_NAMES:
        return TYPE_NAMES[s]
    if s.endswith(".from_cli") or s.endswith(".from_json") or s.endswith("parse_dataclass"):
        return "json"
    m = re.match(r"optional_type\((.*)\)$", s)
    if m:
        return TYPE_NAMES.get(m.group(1), m.group(1))
    return s


OPTIONS = []
WARN = []


def record(names, kw, group, where):
    flags = [n for n in names if n.startswith("-")]
    positional = [n for n in names if not n.startswith("-")]
    opt = {}
    if flags:
        long = [n for n in flags if n.startswith("--")]
        main = long[0] if long else flags[0]
        opt["name"] = main
        opt["aliases"] = [n for n in flags if n != main]
        dest = kw.get("dest") or main.lstrip("-").replace("-", "_")
    else:
        opt["name"] = positional[0]
        opt["aliases"] = []
        opt["positional"] = True
        dest = positional[0]
    opt["dest"] = dest
    base = kw.get("_field", {})
    for k, v in base.items():
        opt[k] = v
    action = kw.get("action")
    if action in ("store_true", "store_false"):
        opt["type"] = "bool"
        opt["default"] = kw.get("default", action == "store_false")
        opt.pop("choices", None)
        opt["action"] = action
    elif action and "BooleanOptionalAction" in action:
        opt["type"] = "bool_optional"
        opt["action"] = "BooleanOptionalAction"
    elif action == "StoreBoolean":
        opt["type"] = "bool"
        opt["action"] = "StoreBoolean"
        opt["nargs"] = "?"
    elif action and action not in ("store",):
        opt["action"] = action
    if "type" in kw:
        t = kw["type"]
        opt["type"] = t
    if kw.get("action", "") == "" and "type" not in kw and "type" not in base and "choices" not in kw:
        opt.setdefault("type", "str")
    if "choices" in kw:
        opt["choices"] = kw["choices"]
        opt["type"] = "choice" if opt.get("type") in (None, "str", "choice", "int") else opt["type"]
        if opt["type"] == "choice" and isinstance(kw["choices"], str):
            opt["choices_expr"] = kw.pop("choices")
            opt.pop("choices")
    if "default" in kw:
        opt["default"] = kw["default"]
        opt.pop("default_expr", None)
    if "default_expr" in kw:
        opt["default_expr"] = kw["default_expr"]
        opt.pop("default", None)
    if "nargs" in kw:
        opt["nargs"] = kw["nargs"]
    if kw.get("deprecated"):
        opt["deprecated"] = True
    if "metavar_choices" in kw:
        opt["metavar_choices"] = kw["metavar_choices"]
    if "help" in kw:
        opt["help"] = kw["help"]
    if "default" not in opt and "default_expr" not in opt:
        opt["default"] = False if opt.get("type") == "bool" else None
    opt["group"] = group
    opt["_where"] = where
    # argparse: a later add_argument of the same option string is an error unless conflict_handler;
    # keep the last and warn.
    for o in OPTIONS:
        if o["name"] == opt["name"]:
            WARN.append(f"duplicate {opt['name']} (kept the later)")
            OPTIONS.remove(o)
            break
    OPTIONS.append(opt)


def const_str(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def help_text(node):
    try:
        v = evaluate(node)
        if isinstance(v, str):
            return v
    except Unresolved:
        pass
    if isinstance(node, ast.JoinedStr):
        return ast.unparse(node)
    return None


class Walker:
    def __init__(self, era, cls_name=None):
        self.era = era
        self.cls_name = cls_name
        self.aliases = {}  # name -> (var, field)
        self.kwvars = {}   # name -> class name (X_kwargs = get_kwargs(Cls))
        self.overrides = {}  # (var, field) -> {key: value}
        self.group = None
        self.groups = {}

    def kwfield(self, var, field):
        cls = self.kwvars.get(var)
        if cls is None:
            return {"_unresolved": f"{var}[{field}]"}
        d = dict(kwargs_from_field(cls, field, self.era))
        for k, v in self.overrides.get((var, field), {}).items():
            d[k] = v
        return d

    def eval_kw(self, key, node):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Subscript) and \
                ast.unparse(node.value.value) in self.kwvars:
            d = self.kwfield(ast.unparse(node.value.value), const_str(node.value.slice))
            k2 = const_str(node.slice)
            if k2 in d:
                return d[k2]
        if key == "type":
            return explicit_type(node)
        if key == "action":
            s = ast.unparse(node)
            return s.strip("'\"")
        if key in ("default", "choices", "nargs", "const", "dest", "metavar", "deprecated"):
            try:
                return evaluate(node)
            except Unresolved:
                if key == "default":
                    return ("__expr__", ast.unparse(node))
                return ast.unparse(node)
        if key == "help":
            return help_text(node)
        return ast.unparse(node)

    def handle_call(self, call, where):
        names = [const_str(a) for a in call.args]
        if not names or any(n is None for n in names):
            WARN.append(f"add_argument with non-constant names at {where}: {ast.unparse(call)[:120]}")
            return
        kw = {}
        for k in call.keywords:
            if k.arg is None:  # **something
                v = k.value
                if isinstance(v, ast.Name) and v.id in self.aliases:
                    var, field = self.aliases[v.id]
                    kw["_field"] = self.kwfield(var, field)
                elif isinstance(v, ast.Subscript):
                    var = ast.unparse(v.value)
                    field = const_str(v.slice) if not isinstance(v.slice, ast.Index) else const_str(v.slice.value)
                    kw["_field"] = self.kwfield(var, field)
                elif isinstance(v, ast.Dict):
                    for dk, dv in zip(v.keys, v.values):
                        if dk is None and isinstance(dv, ast.Subscript):
                            var = ast.unparse(dv.value)
                            kw["_field"] = self.kwfield(var, const_str(dv.slice))
                        elif dk is not None:
                            kk = const_str(dk)
                            val = self.eval_kw(kk, dv)
                            self._put(kw, kk, val)
                else:
                    WARN.append(f"unhandled ** at {where}: {ast.unparse(v)[:80]}")
            else:
                self._put(kw, k.arg, self.eval_kw(k.arg, k.value))
        record(names, kw, self.group, where)

    @staticmethod
    def _put(kw, key, val):
        if key == "default" and isinstance(val, tuple) and len(val) == 2 and val[0] == "__expr__":
            kw["default_expr"] = val[1]
        else:
            kw[key] = val

    def walk(self, stmts, where):
        for st in stmts:
            self.stmt(st, where)

    def stmt(self, st, where):
        # X = get_kwargs(Cls)
        if isinstance(st, ast.Assign) and isinstance(st.value, ast.Call):
            fn = ast.unparse(st.value.func)
            tgt = ast.unparse(st.targets[0])
            if fn.endswith("get_kwargs") and st.value.args:
                c = ast.unparse(st.value.args[0]).split(".")[-1]
                self.kwvars[tgt] = self.cls_name if c == "cls" else c
                return
            if fn.endswith("_customize_cli_kwargs"):
                if getattr(self, "_in_customize", False):
                    return  # super()._customize_cli_kwargs: the chain is walked base-first already
                self._in_customize = True
                for cname in customize_chain(self.cls_name):
                    f = find_func_any(cname, "_customize_cli_kwargs")
                    if f is not None:
                        self.walk(calls_in_order(f), f"{cname}._customize_cli_kwargs")
                self._in_customize = False
                return
            if fn.endswith("add_argument_group") or fn.endswith("add_mutually_exclusive_group"):
                title = const_str(st.value.args[0]) if st.value.args else None
                for k in st.value.keywords:
                    if k.arg == "title":
                        title = const_str(k.value)
                self.groups[tgt] = title
                self.group = title
                return
        # v = X["field"]  (an alias used as **v)
        if isinstance(st, ast.Assign) and isinstance(st.targets[0], ast.Name) and isinstance(st.value, ast.Subscript):
            var = ast.unparse(st.value.value)
            if var in self.kwvars:
                self.aliases[st.targets[0].id] = (var, const_str(st.value.slice))
                return
        # v["key"] = value on an alias
        if isinstance(st, ast.Assign) and isinstance(st.targets[0], ast.Subscript) and \
                ast.unparse(st.targets[0].value) in self.aliases:
            var, field = self.aliases[ast.unparse(st.targets[0].value)]
            key = const_str(st.targets[0].slice)
            self.overrides.setdefault((var, field), {})[key] = self.eval_kw(key, st.value)
            return
        # for a, b in [(...), ...]: body  -> unrolled
        if isinstance(st, ast.For) and isinstance(st.iter, (ast.List, ast.Tuple)):
            tnames = [e.id for e in st.target.elts] if isinstance(st.target, ast.Tuple) else [st.target.id]
            for item in st.iter.elts:
                vals = item.elts if isinstance(item, ast.Tuple) else [item]
                binding = dict(zip(tnames, vals))
                body = [Substitute(binding).visit(ast.parse(ast.unparse(b)).body[0]) for b in st.body]
                self.walk(body, where + " (loop)")
            return
        # for key, value in X.items(): add_argument(f"--{key...}", **value)
        if isinstance(st, ast.For) and ast.unparse(st.iter).endswith(".items()"):
            var = ast.unparse(st.iter)[:-len(".items()")]
            if var in self.kwvars:
                for field in dataclass_fields(self.kwvars[var]):
                    kw = {"_field": self.kwfield(var, field)}
                    extra = kw["_field"].pop("flags", None) or []
                    names = list(extra) + ["--" + field.replace("_", "-")]
                    record(names, kw, self.group, where + " (fields of " + self.kwvars[var] + ")")
                return
            t = st.targets[0]
            if isinstance(t.value, ast.Subscript):
                var = ast.unparse(t.value.value)
                field = const_str(t.value.slice)
                key = const_str(t.slice)
                if var in self.kwvars and field and key:
                    self.overrides.setdefault((var, field), {})[key] = self.eval_kw(key, st.value)
                    return
        # del X["field"]["key"]
        if isinstance(st, ast.Delete):
            for t in st.targets:
                if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Subscript):
                    var = ast.unparse(t.value.value)
                    field = const_str(t.value.slice)
                    key = const_str(t.slice)
                    self.overrides.setdefault((var, field), {})[key] = None
            return
        # X["field"].update(...) / X["field"]["key"] via setdefault are rare; flag them
        for node in ast.walk(st):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument":
                recv = ast.unparse(node.func.value)
                if recv in self.groups:
                    self.group = self.groups[recv]
                self.handle_call(node, where)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                    "add_argument_group",) and not isinstance(st, ast.Assign):
                pass
        if isinstance(st, (ast.If, ast.For, ast.With, ast.Try)):
            pass  # add_argument calls inside were handled by ast.walk above


class Substitute(ast.NodeTransformer):
    def __init__(self, binding):
        self.binding = binding

    def visit_Name(self, node):
        return self.binding.get(node.id, node)


def customize_chain(cls_name):
    """The class and its bases that define _customize_cli_kwargs, base first (super() is called first)."""
    chain = []
    c = cls_name
    while c in CLASSES:
        chain.insert(0, c)
        bases = [ast.unparse(b) for b in CLASSES[c].bases if ast.unparse(b) in CLASSES]
        c = bases[0] if bases else None
    return chain


def find_func_any(cls_name, func_name):
    cls = CLASSES.get(cls_name)
    if cls is None:
        return None
    for b in cls.body:
        if isinstance(b, ast.FunctionDef) and b.name == func_name:
            return b
    return None


def find_func(tree, cls_name, func_name):
    for node in ast.walk(tree):
        if cls_name and isinstance(node, ast.ClassDef) and node.name == cls_name:
            for b in node.body:
                if isinstance(b, ast.FunctionDef) and b.name == func_name:
                    return b
        if not cls_name and isinstance(node, ast.FunctionDef) and node.name == func_name:
            return node
    return None


def calls_in_order(func):
    """Statements of the function with nested helper defs removed."""
    return [s for s in func.body if not isinstance(s, (ast.FunctionDef, ast.ClassDef))]


def registry_names(dirs):
    """Names registered with a parser manager: @X.register_module("a") / (["a", "b"]) decorators, and
    lazily registered dicts `{"name": ("module", "Class")}` in the package __init__."""
    names = []
    for d in dirs:
        for p in git_ls(d):
            if not p.endswith(".py"):
                continue
            text = git_show(p) or ""
            for m in re.finditer(r"register_module\(\s*(\[[^\]]*\]|\"[^\"]+\"|'[^']+')", text):
                try:
                    v = ast.literal_eval(m.group(1))
                except Exception:
                    continue
                names.extend(v if isinstance(v, list) else [v])
            if p.endswith("__init__.py") or p.endswith("registry.py"):
                for m in re.finditer(r"^\s*\"([A-Za-z0-9_.\-]+)\":\s*\(", text, re.M):
                    names.append(m.group(1))
                for m in re.finditer(r"register_lazy_module\(\s*\"([^\"]+)\"", text):
                    names.append(m.group(1))
    seen = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen


def read_envs():
    """environment_variables in vllm/envs.py: name -> (default as written, how the string is read)."""
    tree = load("vllm/envs.py")
    out = []
    if tree is None:
        return out
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            tgt = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(tgt, ast.Name) and tgt.id == "environment_variables" and isinstance(node.value, ast.Dict):
                for k, v in zip(node.value.keys, node.value.values):
                    name = const_str(k)
                    if name is None:
                        continue
                    default = None
                    found = False
                    for c in ast.walk(v):
                        if isinstance(c, ast.Call) and ast.unparse(c.func) in ("os.getenv", "os.environ.get") \
                                and c.args and const_str(c.args[0]) == name:
                            found = True
                            if len(c.args) > 1:
                                try:
                                    default = ast.literal_eval(c.args[1])
                                except Exception:
                                    default = ast.unparse(c.args[1])
                            break
                    reader = ast.unparse(v.body if isinstance(v, ast.Lambda) else v)
                    e = {"name": name, "default": default}
                    if not found:
                        e["default_note"] = "not a plain os.getenv(name, default); see reader"
                    e["reader"] = reader if len(reader) <= 240 else reader[:237] + "..."
                    out.append(e)
    return out


def main():
    config_files = git_ls("vllm/config/") or []
    config_files = [p for p in config_files if p.endswith(".py")]
    if git_show("vllm/config.py") is not None:
        config_files.append("vllm/config.py")
    extra = ["vllm/engine/arg_utils.py", "vllm/entrypoints/openai/cli_args.py", "vllm/entrypoints/cli/serve.py",
             "vllm/scripts.py", "vllm/entrypoints/openai/api_server.py", "vllm/entrypoints/chat_utils.py",
             "vllm/utils/argparse_utils.py", "vllm/utils/__init__.py", "vllm/utils.py",
             "vllm/model_executor/layers/quantization/__init__.py", "vllm/entrypoints/openai/server_utils.py",
             "vllm/entrypoints/openai/serving_models.py", "vllm/entrypoints/openai/serving_engine.py",
             "vllm/attention/backends/registry.py", "vllm/v1/attention/backends/registry.py",
             "vllm/entrypoints/constants.py", "vllm/logger.py", "vllm/entrypoints/utils.py",
             "vllm/entrypoints/openai/models/protocol.py", "vllm/entrypoints/serve/__init__.py",
             "vllm/transformers_utils/config.py", "vllm/model_executor/model_loader/loader.py",
             "vllm/platforms/interface.py", "vllm/_aiter_ops.py"]
    for p in extra + config_files:
        t = load(p)
        if t is not None:
            index_module(p, t)
    for p in git_ls("vllm/entrypoints/openai/") + git_ls("vllm/entrypoints/serve/"):
        if p.endswith(".py") and p not in MODULES and ("cli_args" in p or "args" in p.split("/")[-1]):
            t = load(p)
            if t is not None:
                index_module(p, t)
    era = 2 if "_compute_kwargs" in (git_show("vllm/engine/arg_utils.py") or "") else (
        1 if "def get_kwargs" in (git_show("vllm/engine/arg_utils.py") or "") else 0)

    sequence = []
    # 1. serve subcommand (positional model_tag, --config, ...) and the OpenAI server's args.
    serve = MODULES.get("vllm/entrypoints/cli/serve.py")
    if serve is not None:
        f = find_func(serve, "ServeSubcommand", "subparser_init")
        if f is not None:
            sequence.append(("vllm/entrypoints/cli/serve.py:ServeSubcommand.subparser_init", f))
    elif "vllm/scripts.py" in MODULES:
        f = find_func(MODULES["vllm/scripts.py"], None, "main")
        if f is not None:
            sequence.append(("vllm/scripts.py:main(serve_parser)", f))
    cli = MODULES.get("vllm/entrypoints/openai/cli_args.py")
    if cli is not None:
        f = find_func(cli, "FrontendArgs", "add_cli_args")
        if f is not None:
            sequence.append(("vllm/entrypoints/openai/cli_args.py:FrontendArgs.add_cli_args", f, "FrontendArgs"))
        else:
            fb = find_func(cli, "BaseFrontendArgs", "add_cli_args")
            if fb is not None:
                sequence.append(("vllm/entrypoints/openai/cli_args.py:BaseFrontendArgs.add_cli_args(cls=FrontendArgs)",
                                 fb, "FrontendArgs"))
        f2 = find_func(cli, None, "make_arg_parser")
        if f2 is not None:
            sequence.append(("vllm/entrypoints/openai/cli_args.py:make_arg_parser", f2))
    ea = MODULES["vllm/engine/arg_utils.py"]
    sequence.append(("vllm/engine/arg_utils.py:EngineArgs.add_cli_args", find_func(ea, "EngineArgs", "add_cli_args")))
    fa = find_func(ea, "AsyncEngineArgs", "add_cli_args")
    if fa is not None:
        sequence.append(("vllm/engine/arg_utils.py:AsyncEngineArgs.add_cli_args", fa))

    find_human_ints(MODULES["vllm/engine/arg_utils.py"])
    for item in sequence:
        where, func = item[0], item[1]
        w = Walker(era, item[2] if len(item) > 2 else None)
        # FrontendArgs era: frontend_kwargs = get_kwargs(FrontendArgs)
        w.walk(calls_in_order(func), where)
        # scripts.py main(): only the serve subparser's own arguments matter
    # scripts.py era: keep only serve_parser's args (model_tag, --config)
    keep = []
    for o in OPTIONS:
        if o["_where"].startswith("vllm/scripts.py") and o["name"] not in ("model_tag", "--config"):
            continue
        keep.append(o)
    OPTIONS[:] = keep

    tools = registry_names(["vllm/entrypoints/openai/tool_parsers/", "vllm/tool_parsers/"])
    reasoning = registry_names(["vllm/reasoning/"])
    for o in OPTIONS:
        if o["name"] == "--tool-call-parser":
            o["registry_names"] = tools
        if o["name"] == "--reasoning-parser":
            o["registry_names"] = reasoning
            if "ReasoningParserManager" in str(o.get("choices_expr", "")):
                o["choices"] = list(reasoning) + (["None"] if o.get("optional_none") else [])
                o["choices_from"] = "registry: " + o.pop("choices_expr")
    envs = read_envs()
    res = {"schema": "tpsim.vllm_cli/1", "vllm": TAG, "commit": COMMIT, "prefix": PREFIX,
           "files": FILES_READ, "era": era, "options": OPTIONS, "env": envs, "warnings": WARN}
    with open(OUT, "w") as fh:
        json.dump(res, fh, indent=1, default=str)
    print(f"{TAG}: {len(OPTIONS)} options, {len(WARN)} warnings, era {era}")


main()
