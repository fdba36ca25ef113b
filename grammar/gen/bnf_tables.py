#!/usr/bin/env python3
"""Generate grammar/functions.tsv and grammar/keywords.tsv from an engine BNF dump.

Usage:
    python3 grammar/gen/bnf_tables.py PATH/TO/engine-base-bnf-script.json [OUT_DIR]

PATH is the JSON-RPC response of Qlik's Engine API `Global.GetBaseBNF` with
`qBnfType: "S"` (the load-script grammar).  OUT_DIR defaults to the `grammar/`
directory that contains this script's `gen/` folder.  The script also reads the
hand-written `gen/chart_functions.tsv` (chart-only functions that the script
grammar does not contain) and merges it into functions.tsv.

Only the Python 3 standard library is used.  Output is deterministic: rows are
sorted case-insensitively, columns are tab-separated, lines end in "\\n".

How the dump is read (see README.md for the column meanings):

* `result.qBnfDefs[i]` is entry number i.  Entries 9..17 are meta markers used
  inside `qBnf` child lists: 9/10 = optional `[ ]`, 11/12/13 = alternation
  `( | )`, 14/15 = repetition `{ }` (zero or more), 16/17 = plain grouping;
  0 terminates the list.
* Every function has a rule entry flagged `qQvFunc` (scalar) or `qAggrFunc`
  (aggregation) whose child list is
      16 <return-type> <name-literal> '(' 17 <parameters> ')' 0
  where a parameter is a parameter-name entry (`qMT == "D"`) followed by
  entry 144 (`Expression`), separated by entry 149 (`,`).  Aggregations may
  start with DISTINCT / TOTAL / ALL literals inside `[ ]`; those are
  qualifiers, not arguments.
* The name-literal entry carries `qStr` (the spelling), `qFG` (function group
  code), `qFGList` and `qDepr` (deprecated).
"""

import json
import os
import re
import sys

# --------------------------------------------------------------------------
# BNF meta entries
OPT_START, OPT_END = 9, 10
ALT_START, ALT_SEP, ALT_END = 11, 12, 13
REP_START, REP_END = 14, 15
GRP_START, GRP_END = 16, 17
END_OF_LIST = 0
EXPRESSION = 144          # rule 'Expression'
BASIC_EXPRESSION = 146    # rule 'BasicExpression' (not used by functions today)
LPAREN_LITERAL = 89       # literal '('
RPAREN_LITERAL = 140      # literal ')'

INF = float("inf")

# --------------------------------------------------------------------------
# qFG (function group code of the name literal) -> our category.
# Inferred from which functions share a code; fixed per function below.
QFG_CATEGORY = {
    "AGGR": "aggregation",     # Sum, Count, Avg, Concat, Median, LinEst_*, ...
    "CLR": "color",            # RGB, ARGB, HSL, Color, ColorMix1, Black, ...
    "CND": "conditional",      # If, Pick, Match, Alt, Class, ...
    "COUNT": "counter",        # RecNo, IterNo, AutoNumber*
    "DATE": "date",            # Now, Year, MonthStart, InYear, AddMonths, ...
    "EXP": "exponential",      # Exp, Log, Log10, Pow, Sqr, Sqrt
    "FILE": "file",            # FileName, QvdCreateTime, Attribute, ConnectString, ...
    "FIN": "financial",        # FV, PV, Pmt, Rate, Npv, Irr, RangeNpv, ...
    "GEO": "geospatial",       # GeoMakePoint, GeoProject, ...
    "LEG": "deprecated",       # legacy names: resolved per function below
    "LOG": "logical",          # IsNum, IsText, (IsRegEx: regex below)
    "MAPP": "mapping",         # ApplyMap, MapSubString
    "MATH": "mathematical",    # e, Pi, True, False, (Null: null below)
    "NULL": "null",            # IsNull
    "NUM": "general",          # general numeric: Round, Floor, Mod, Div, Fact, ...
    "NUMI": "formatting",      # Date, Num, Dual...; the '#' forms + Text: interpretation
    "PROB": "statistical",     # statistical distributions and tests
    "RCRD": "inter-record",    # Peek, Lookup, Exists, RowNo, HCValue
    "RNG": "range",            # RangeSum, RangeMax, ...
    "STR": "string",           # Left, Mid, SubField, Hash128, Evaluate, ...
    "SYS": "system",           # OSUser, DocumentName, ReloadTime, ...
    "TBL": "table",            # NoOfRows, FieldName, FieldValue, TableName, ...
    "TRIG": "trigonometric",   # Sin, Cos, Atan2, ...
    "WINDOW": "window",        # Window, WRank, UNBOUNDED
}

CATEGORIES = {
    "aggregation", "color", "conditional", "counter", "date", "exponential",
    "field", "file", "financial", "formatting", "general", "geospatial",
    "interpretation", "inter-record", "json", "logical", "mapping",
    "mathematical", "null", "range", "rank", "regex", "relational",
    "statistical", "string", "system", "table", "trigonometric", "selection",
    "window",
}
CONTEXTS = {"script", "chart", "both"}
FLAGS = ("aggr", "deprecated", "name-args", "file-args")

# Per-function category fixes (case-insensitive name -> category), applied
# after the qFG mapping and the rules in category_for().
CATEGORY_OVERRIDES = {
    # legacy group LEG
    "qliktechblue": "color",
    "qliktechgray": "color",
    "qlikviewversion": "system",
    "qvuser": "system",
    "numsum": "range",
    "nummin": "range",
    "nummax": "range",
    "numavg": "range",
    "numcount": "range",
    # the BNF files these under another group than Qlik's function reference
    "null": "null",              # qFG MATH, qFGList [MATH, NULL]
    "emptyisnull": "null",       # qFG CND; documented as a NULL function
    "previous": "inter-record",  # qFG RNG; documented as inter-record
    "rand": "mathematical",      # qFG PROB; documented as mathematical
    "combin": "general",         # qFG PROB; documented as general numeric
    "permut": "general",         # qFG PROB; documented as general numeric
    "applycodepage": "formatting",  # qFG STR; documented as formatting
    "getobjectfield": "field",   # qFG TBL; documented as a chart field function
}

JSON_FUNCTIONS = {"isjson", "jsonget", "jsonset", "jsonsetex", "jsonobject", "jsonarray"}

# Functions that exist only in the load script (everything else in the script
# BNF is marked "both").  Sources: Qlik's function reference ("script function"
# vs "script and chart function").
SCRIPT_ONLY = {
    # inter-record
    "peek", "previous", "exists", "lookup",
    # counter
    "recno", "iterno", "autonumber", "autonumberhash128", "autonumberhash256",
    # table / field-in-model
    "fieldelemno", "nooftables", "tablename", "tablenumber",
    # file
    "attribute", "connectstring", "filebasename", "filedir", "fileextension",
    "filename", "filepath", "filesize", "filetime", "getfolderpath",
    "qvdcreatetime", "qvdfieldname", "qvdnooffields", "qvdnoofrecords",
    "qvdtablename",
    # string / system
    "evaluate", "getcollationlocale",
    # script aggregations without a chart form (charts use First()/Last())
    "firstvalue", "lastvalue",
    # window functions (load script only)
    "window", "wrank", "unbounded",
    # chart-level scripting (HC = hypercube) helpers
    "hcvalue", "hcnorows",
}

NAME_ARGS = {
    "applymap", "mapsubstring", "peek", "lookup", "fieldvalue",
    "fieldvaluecount", "fieldindex", "fieldelemno", "exists", "noofrows",
    "nooffields", "fieldname", "fieldnumber", "tablenumber", "tablename",
}
FILE_ARGS = {
    "qvdcreatetime", "qvdnoofrecords", "qvdnooffields", "qvdfieldname",
    "qvdtablename", "filesize", "filetime", "attribute",
}

# Arity fixes where Qlik's documented signature differs from what the BNF
# rule can express.  name -> (min, max, reason); max None means '*'.
ARITY_OVERRIDES = {
    "pick": (2, None, "BNF: position {, expr} (1..*); documented Pick(n, expr1 [, expr2 ...])"),
    "noofrows": (0, 1, "BNF has the script form NoOfRows('T'); the chart form is NoOfRows([TOTAL])"),
}

# --------------------------------------------------------------------------
# Keywords: every alphabetic qStr of a literal entry that is not a function
# name is a candidate; roles are assigned here (case-insensitive key).
KEYWORD_ROLES = {
    "access": "clause", "add": "prefix", "after": "prefix", "alias": "statement",
    "all": "format,set", "and": "operator", "ansi": "clause,format",
    "application": "clause", "as": "clause", "asc": "clause",
    "autocommit": "clause", "autogenerate": "clause", "autonumber": "statement",
    "b": "other", "bdi": "statement", "between": "clause", "biff": "format",
    "binary": "statement", "bitand": "operator", "bitnot": "operator",
    "bitor": "operator", "bitxor": "operator", "bottom": "format",
    "brotli": "format", "buffer": "prefix", "bundle": "prefix", "by": "clause",
    "call": "control", "capitalization": "clause",
    "case": "control,clause,format", "cellvalue": "format",
    "codepage": "clause,format", "col": "format", "collection": "clause",
    "colmatch": "format", "colsplit": "format", "colxtr": "format",
    "comment": "statement,format", "compound": "format",
    "compression": "format", "concatenate": "prefix", "connect": "statement",
    "connect32": "statement", "connect64": "statement", "contain": "format",
    "create": "statement", "cross": "other", "crosstable": "prefix",
    "custom": "statement", "customconnect": "statement", "day": "prefix",
    "days": "prefix", "declare": "statement", "default": "control",
    "definition": "clause", "delimiter": "format", "derive": "statement",
    "desc": "clause", "detach": "other", "detail": "other", "dif": "format",
    "dimension": "statement", "direct": "statement", "directory": "statement",
    "directquery": "clause", "dirlist": "clause", "disconnect": "statement",
    "distinct": "clause,set", "do": "control", "drilldown": "clause",
    "drop": "statement", "each": "control", "else": "control",
    "elseif": "control", "embedded": "format", "end": "control,format",
    "endif": "control", "endsub": "control", "endswitch": "control",
    "eof": "format", "equal": "format", "every": "format",
    "exclude": "clause", "execute": "statement", "exit": "control",
    "expand": "format", "explicit": "clause,format", "extension": "clause",
    "external": "other", "false": "other", "field": "clause",
    "fields": "clause", "fieldvaluelist": "clause", "filelist": "clause",
    "filters": "format", "first": "prefix", "fix": "format",
    "flushlog": "statement", "follows": "operator", "for": "control",
    "force": "statement", "from": "clause", "from_field": "clause",
    "full": "other", "generic": "prefix", "group": "clause",
    "groups": "clause", "gzip": "format", "header": "format",
    "hierarchy": "prefix", "hierarchybelongsto": "prefix", "hour": "prefix",
    "hours": "prefix", "html": "format", "i": "other", "if": "control",
    "image_size": "prefix", "implicit": "clause", "import": "statement",
    "in": "clause", "inc": "prefix", "include": "clause", "incr": "prefix",
    "incremental": "prefix", "info": "prefix", "inline": "clause",
    "inner": "prefix,clause", "intarray": "format", "interpret": "format",
    "interval": "format", "intervalmatch": "prefix", "into": "clause",
    "is": "clause,format", "join": "prefix", "joined": "clause",
    "json": "format", "keep": "prefix", "kml": "format", "labels": "format",
    "left": "prefix,format", "length": "format", "let": "statement",
    "lib": "statement", "like": "operator", "line": "format",
    "lines": "format", "live": "clause", "load": "statement",
    "longer": "format", "loop": "control", "loosen": "statement",
    "lower": "clause", "lz4": "format", "lz4_hadoop": "format",
    "mac": "format", "map": "statement", "mapping": "prefix",
    "matching": "clause", "measure": "statement", "merge": "prefix",
    "mixed": "clause", "mode": "clause", "msq": "format", "n": "other",
    "native": "other", "natural": "other", "next": "control", "no": "format",
    "noconcatenate": "prefix", "not": "operator,format", "null": "format",
    "nullasnull": "statement", "nullasvalue": "statement",
    "numerical": "format", "odbc": "statement", "oem": "clause,format",
    "off": "clause", "oledb": "statement", "on": "clause,prefix",
    "only": "prefix", "ooxml": "format", "or": "operator", "order": "clause",
    "outer": "prefix,clause", "parameters": "clause", "parquet": "format",
    "password": "clause", "pos": "format", "precedes": "operator",
    "qsl": "statement", "qualify": "statement", "query": "clause",
    "quotes": "format", "qvd": "format", "qvx": "format", "r": "other",
    "record": "format", "relationship": "clause", "rem": "statement",
    "remove": "format", "rename": "statement", "replace": "prefix,format",
    "resident": "clause", "right": "prefix,format", "rotate": "format",
    "row": "format", "rowcnd": "format", "sample": "prefix",
    "script": "control", "search": "statement", "section": "statement",
    "select": "statement,format", "semantic": "prefix", "set": "statement",
    "shorter": "format", "sleep": "statement", "snappy": "format",
    "spaces": "format", "sql": "statement", "sqlcolumns": "statement",
    "sqltables": "statement", "sqltypes": "statement", "sso": "clause",
    "stale": "prefix", "star": "statement", "start": "format",
    "step": "clause", "store": "statement", "strcnd": "format",
    "string": "clause", "sub": "control", "switch": "control",
    "symbol": "format", "t": "other", "tab": "format",
    "table": "clause,format", "tables": "clause,format",
    "tag": "statement,clause", "tagged": "clause", "tags": "clause",
    "then": "clause", "to": "clause", "top": "format", "total": "set",
    "trace": "statement", "transpose": "format", "true": "other",
    "txt": "format", "type": "clause", "u": "other",
    "uncompressed": "format", "unicode": "clause,format",
    "unless": "prefix", "unmap": "statement", "unqualify": "statement",
    "untag": "statement", "until": "clause", "unwrap": "format",
    "upper": "clause", "url": "format", "useragent": "format",
    "userid": "clause", "using": "clause", "utf7": "format",
    "utf8": "format", "when": "prefix", "where": "clause", "while": "clause",
    "with": "clause", "write": "clause", "xml": "format",
    "xmlgeneric": "format", "xmlsax": "format", "xmlsimple": "format",
    "xor": "operator", "xpassword": "clause", "xuserid": "clause",
    "zstd": "format",
}

# Words that are not literals of the script BNF but that the parser meets:
# chart qualifiers and set-analysis words, Aggr() structured-parameter sort
# words, and the Qlik Cloud statement CONSTRAIN (parsed leniently).
EXTRA_KEYWORDS = {
    "NoDistinct": "set",
    "P": "set",
    "E": "set",
    "NUMERIC": "set", "TEXT": "set", "FREQUENCY": "set", "LOAD_ORDER": "set",
    "ASCENDING": "set", "DESCENDING": "set", "REVERSE": "set", "A2Z": "set",
    "Z2A": "set", "ORIGINAL": "set",
    "Constrain": "statement",
}

ROLES = ("statement", "control", "prefix", "clause", "format", "operator", "set", "other")
WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

# Rules whose literals are operators, and rules that are mere exclusion lists
# (IDENT except these words) and so say nothing about a word's role.
OPERATOR_RULE_PREFIXES = ("LogicalOperator", "BitOperator", "StringOperator", "RelationalOpertor")
EXCLUSION_RULES = {"ControlWords", "DD_KeyWords"}


def die(msg):
    sys.stderr.write("bnf_tables.py: error: %s\n" % msg)
    sys.exit(1)


def warn(msg):
    sys.stderr.write("bnf_tables.py: warning: %s\n" % msg)


def load_defs(path):
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    try:
        defs = doc["result"]["qBnfDefs"]
    except (KeyError, TypeError):
        die("%s: expected result.qBnfDefs" % path)
    for i, e in enumerate(defs):
        if e.get("qNbr") != i:
            die("entry %d has qNbr %r; entries must be indexed by qNbr" % (i, e.get("qNbr")))
    return defs


# --------------------------------------------------------------------------
# Arity from a function rule's parameter list

def parse_seq(tokens, pos, stop):
    """Parse tokens[pos:] until a token in `stop`; return (node, pos).

    A node is ('seq', [items]); items are 'arg' or (kind, node/alternatives).
    """
    items = []
    while pos < len(tokens) and tokens[pos] not in stop:
        t = tokens[pos]
        if t == OPT_START:
            inner, pos = parse_seq(tokens, pos + 1, {OPT_END})
            items.append(("opt", inner))
            pos += 1
        elif t == REP_START:
            inner, pos = parse_seq(tokens, pos + 1, {REP_END})
            items.append(("rep", inner))
            pos += 1
        elif t == GRP_START:
            inner, pos = parse_seq(tokens, pos + 1, {GRP_END})
            items.append(("grp", inner))
            pos += 1
        elif t == ALT_START:
            alts = []
            pos += 1
            while True:
                inner, pos = parse_seq(tokens, pos, {ALT_SEP, ALT_END})
                alts.append(inner)
                if tokens[pos] == ALT_END:
                    pos += 1
                    break
                pos += 1
            items.append(("alt", alts))
        elif t in (OPT_END, REP_END, GRP_END, ALT_SEP, ALT_END):
            raise ValueError("unbalanced meta entry %d" % t)
        else:
            if t in (EXPRESSION, BASIC_EXPRESSION):
                items.append("arg")
            pos += 1
    return ("seq", items), pos


def arity(node):
    """(min, max) argument counts of a parsed node; max may be INF."""
    kind, body = node
    if kind == "seq":
        lo = hi = 0
        for item in body:
            if item == "arg":
                lo, hi = lo + 1, hi + 1
                continue
            k, inner = item
            if k == "alt":
                rs = [arity(a) for a in inner]
                a_lo, a_hi = min(r[0] for r in rs), max(r[1] for r in rs)
            else:
                a_lo, a_hi = arity(inner)
                if k == "opt":
                    a_lo = 0
                elif k == "rep":
                    a_lo, a_hi = 0, (INF if a_hi > 0 else 0)
            lo, hi = lo + a_lo, hi + a_hi
        return lo, hi
    raise ValueError(kind)


def function_rows(defs):
    rows = {}
    for e in defs:
        if not (e.get("qIsBnfRule") and (e.get("qQvFunc") or e.get("qAggrFunc"))):
            continue
        body = e["qBnf"]
        name_entries = [c for c in body
                        if defs[c].get("qBnfLiteral") and (defs[c].get("qQvFunc") or defs[c].get("qAggrFunc"))]
        if len(name_entries) != 1:
            die("rule %s: expected one function-name literal, found %r" % (e.get("qName"), name_entries))
        lit = defs[name_entries[0]]
        name = lit["qStr"]
        try:
            lp = body.index(LPAREN_LITERAL)
            rp = len(body) - 1 - body[::-1].index(RPAREN_LITERAL)
        except ValueError:
            die("rule %s: no '(' ... ')'" % e.get("qName"))
        params = body[lp + 1:rp]
        if params and params[0] == GRP_END:       # closes the 16 ... 17 name group
            params = params[1:]
        node, pos = parse_seq(params, 0, set())
        lo, hi = arity(node)
        key = name.lower()
        if key in rows:
            die("function %s defined twice in the BNF" % name)
        rows[key] = {
            "name": name,
            "min": lo,
            "max": hi,
            "qfg": lit.get("qFG", "U"),
            "qfglist": lit.get("qFGList", []),
            "aggr": bool(e.get("qAggrFunc") or lit.get("qAggrFunc")),
            "deprecated": bool(lit.get("qDepr") or e.get("qDepr")),
        }
    return rows


def category_for(row):
    key = row["name"].lower()
    if key in CATEGORY_OVERRIDES:
        return CATEGORY_OVERRIDES[key]
    if "regex" in key:
        return "regex"
    if key in JSON_FUNCTIONS:
        return "json"
    qfg = row["qfg"]
    if qfg not in QFG_CATEGORY:
        die("function %s: unknown qFG code %r (add it to QFG_CATEGORY)" % (row["name"], qfg))
    cat = QFG_CATEGORY[qfg]
    if qfg == "NUMI" and (row["name"].endswith("#") or key == "text"):
        cat = "interpretation"
    if cat == "deprecated":
        die("function %s: legacy group needs an entry in CATEGORY_OVERRIDES" % row["name"])
    return cat


def fmt_max(hi):
    return "*" if hi == INF or hi is None else str(int(hi))


def read_chart_functions(path):
    rows = []
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    header = lines[0].split("\t")
    if header != ["name", "min_args", "max_args", "category", "context", "flags"]:
        die("%s: bad header %r" % (path, header))
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != 6:
            die("%s:%d: expected 6 columns, got %d" % (path, n, len(cols)))
        rows.append(cols)
    return rows


def build_functions(defs, chart_path):
    bnf = function_rows(defs)
    out = {}
    for key, row in bnf.items():
        lo, hi = row["min"], row["max"]
        if key in ARITY_OVERRIDES:
            lo, o_hi, _reason = ARITY_OVERRIDES[key]
            hi = INF if o_hi is None else o_hi
        flags = []
        if row["aggr"]:
            flags.append("aggr")
        if row["deprecated"]:
            flags.append("deprecated")
        if key in NAME_ARGS:
            flags.append("name-args")
        if key in FILE_ARGS:
            flags.append("file-args")
        out[key] = [row["name"], str(lo), fmt_max(hi), category_for(row),
                    "script" if key in SCRIPT_ONLY else "both",
                    ",".join(flags) or "-"]
    for key in ARITY_OVERRIDES:
        if key not in bnf:
            die("ARITY_OVERRIDES names %s, which the BNF does not define" % key)
    for key in sorted(SCRIPT_ONLY | NAME_ARGS | FILE_ARGS | set(CATEGORY_OVERRIDES)):
        if key not in bnf:
            warn("hand-written table names %s, which the BNF does not define" % key)
    for cols in read_chart_functions(chart_path):
        key = cols[0].lower()
        if key in out:
            die("chart_functions.tsv: %s is already in the script BNF" % cols[0])
        out[key] = cols
    return [out[k] for k in sorted(out, key=lambda k: (k, out[k][0]))]


# --------------------------------------------------------------------------
# Keywords

def keyword_rows(defs):
    referrers = {}
    for e in defs:
        for c in e["qBnf"]:
            if c > GRP_END:
                referrers.setdefault(c, set()).add(e["qNbr"])
    variants = {}
    for e in defs:
        if not e.get("qBnfLiteral") or e.get("qQvFunc") or e.get("qAggrFunc"):
            continue
        s = e.get("qStr", "")
        if not WORD_RE.match(s):
            continue
        variants.setdefault(s.lower(), []).append(e)

    def spelling(entries):
        def rank(s_flag):
            s, flagged = s_flag
            if flagged:
                return 0
            if s != s.lower() and s != s.upper():
                return 1
            if s == s.lower():
                return 2
            return 3
        counts = {}
        for e in entries:
            flagged = bool(e.get("qScriptStatement") or e.get("qControlStatement"))
            k = (e["qStr"], flagged)
            counts[k] = counts.get(k, 0) + 1
        best = sorted(counts, key=lambda k: (rank(k), -counts[k], k[0]))[0]
        return best[0]

    def fallback_roles(entries):
        roles = set()
        for e in entries:
            if e.get("qScriptStatement"):
                roles.add("statement")
            if e.get("qControlStatement"):
                roles.add("control")
            for p in sorted(referrers.get(e["qNbr"], ())):
                pname = defs[p].get("qName", "")
                if pname in EXCLUSION_RULES:
                    continue
                if pname.endswith("_Func"):
                    roles.add("set")
                elif pname.startswith(OPERATOR_RULE_PREFIXES):
                    roles.add("operator")
                elif pname.startswith("File") or pname.startswith("Store") or pname.startswith("Parquet"):
                    roles.add("format")
                elif pname.endswith("Prefix") or pname.startswith("BufferPrefix"):
                    roles.add("prefix")
        return ",".join(r for r in ROLES if r in roles) or "other"

    rows = {}
    for key, entries in variants.items():
        if key in KEYWORD_ROLES:
            roles = KEYWORD_ROLES[key]
        else:
            roles = fallback_roles(entries)
            warn("keyword %r is not classified in KEYWORD_ROLES; guessed %s" % (entries[0]["qStr"], roles))
        rows[key] = [spelling(entries), roles]
    for key in sorted(KEYWORD_ROLES):
        if key not in rows:
            warn("KEYWORD_ROLES classifies %r, which is not a BNF literal" % key)
    for word, roles in EXTRA_KEYWORDS.items():
        if word.lower() in rows:
            die("EXTRA_KEYWORDS: %s is already a BNF literal" % word)
        rows[word.lower()] = [word, roles]
    for key, (word, roles) in rows.items():
        parts = roles.split(",")
        if not parts or any(r not in ROLES for r in parts) or len(set(parts)) != len(parts):
            die("keyword %s: bad roles %r" % (word, roles))
        rows[key][1] = ",".join(r for r in ROLES if r in parts)   # canonical order
    return [rows[k] for k in sorted(rows, key=lambda k: (k, rows[k][0]))]


# --------------------------------------------------------------------------

def check_functions(rows):
    seen = set()
    for r in rows:
        name, lo, hi, cat, ctx, flags = r
        if name.lower() in seen:
            die("duplicate function %s" % name)
        seen.add(name.lower())
        if cat not in CATEGORIES:
            die("function %s: unknown category %s" % (name, cat))
        if ctx not in CONTEXTS:
            die("function %s: unknown context %s" % (name, ctx))
        if flags != "-" and any(f not in FLAGS for f in flags.split(",")):
            die("function %s: unknown flag in %s" % (name, flags))
        if not lo.isdigit() or not (hi == "*" or hi.isdigit()):
            die("function %s: bad arity %s..%s" % (name, lo, hi))
        if hi != "*" and int(lo) > int(hi):
            die("function %s: min %s > max %s" % (name, lo, hi))


def write_tsv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\t".join(header) + "\n")
        for r in rows:
            if any("\t" in c or "\n" in c for c in r):
                die("%s: a cell contains a tab or newline: %r" % (path, r))
            fh.write("\t".join(r) + "\n")


def main(argv):
    if len(argv) not in (2, 3) or argv[1] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 2
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = argv[2] if len(argv) == 3 else os.path.dirname(here)
    defs = load_defs(argv[1])

    functions = build_functions(defs, os.path.join(here, "chart_functions.tsv"))
    check_functions(functions)
    write_tsv(os.path.join(out_dir, "functions.tsv"),
              ["name", "min_args", "max_args", "category", "context", "flags"], functions)

    keywords = keyword_rows(defs)
    write_tsv(os.path.join(out_dir, "keywords.tsv"), ["keyword", "roles"], keywords)

    sys.stderr.write("bnf_tables.py: %d functions, %d keywords written to %s\n"
                     % (len(functions), len(keywords), out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
