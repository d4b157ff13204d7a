"""How each release's FlexibleArgumentParser (vllm/utils.py, later vllm/utils/argparse_utils.py) and
Python's argparse turn a pasted `vllm serve` line into options. Read by hand from the parse_args,
_pull_args_from_config / load_config_file and human_readable_int bodies at each tag's commit."""

ARGPARSE = {
    "prefix_matching": "argparse's allow_abbrev is left at True in every release read: an unambiguous "
                       "prefix of a long option is accepted (`--max-model 4096`); an ambiguous one is "
                       "'ambiguous option: --max could match ...'",
    "equals": "`--flag=value` and, for single-dash aliases, `-tp=2` are split at the first '=' by argparse",
    "single_dash_attached": "argparse also accepts `-tp2`-style attached values only for one-character "
                            "short options (`-q awq` / `-qawq`); multi-letter aliases need a space or '='",
    "unknown": "an unknown option or stray word: 'vllm serve: error: unrecognized arguments: ...' (exit 2)",
    "bool_store_true": "action=store_true: bare flag only; `--flag true` leaves `true` as a stray word",
    "bool_optional": "argparse.BooleanOptionalAction: `--flag` sets True, `--no-flag` sets False; a value "
                     "after it is a stray word",
    "store_boolean": "vLLM's StoreBoolean (0.6.6 only here: --enable-chunked-prefill, "
                     "--multi-step-stream-outputs): nargs='?', const 'True'; bare = True, or a following "
                     "`true`/`false` (case-insensitive); any other value is an error",
    "nargs_plus": "nargs='+': takes every following word up to the next word starting with '-'",
    "repeated": "a repeated option: the last value wins (argparse); from 0.16.0 vLLM also warns "
                "'Found duplicate keys --x'",
}

HUMAN_INT_0_8 = ("human_readable_int: fullmatch (\\d+(\\.\\d+)?)([kKmMgGtT]); lower-case k/m/g = 10^3/10^6/"
                 "10^9 (decimals allowed: 25.6k = 25600), upper-case K/M/G = 2^10/2^20/2^30 (integers "
                 "only: '1.5K' is an error 'Decimals are not allowed with binary suffixes like K. Did you "
                 "mean to use 1.5k instead?'); t/T match the pattern but have no multiplier in this "
                 "version, so '1t' fails as int('1t'); anything else goes to int(). '1Ki', '32 k', '32kb' "
                 "are errors")
HUMAN_INT_LATER = ("human_readable_int as in 0.8.5 plus t = 10^12, T = 2^40. max_model_len uses "
                   "human_readable_int_or_auto: '-1' or 'auto' (any case) give -1 = derive from the model "
                   "(and fit to memory in releases that support it)")

COMMON_LATE = {
    "underscores": "for every word starting with '--', underscores are turned into dashes in the part "
                   "before the first '.' of the option name (regex (?<=--)[^.]*), value untouched: "
                   "`--max_model_len=4096` works; dotted keys keep their underscores "
                   "(`--compilation-config.cudagraph_mode`)",
    "dotted_json": "`--json-arg.key value`, `--json-arg.key=value`, nested `--a.b.c v`; the value is "
                   "json.loads'd, else (0.16.0+) human_readable_int, else kept as a string; `--a.key+ v` "
                   "appends to a list (`+=a,b` splits on commas); all dotted pieces of one option are "
                   "merged into one JSON object appended as `--a '{...}'` at the end of the line; a dotted "
                   "word with '=' whose name part has no '.' is left alone",
    "config_yaml": "`--config FILE.yaml|.yml` (other extensions: ValueError 'Config file must be of a "
                   "yaml/yml type.'); at most one --config; its keys become `--key value` words inserted "
                   "right after `serve MODEL` (so the command line wins); YAML true -> bare `--key`, false "
                   "-> nothing (so a false BooleanOptionalAction default cannot be set from YAML), lists -> "
                   "`--key a b ...`",
}

RULES = {
    "0.6.6": {
        "file": "vllm/utils.py",
        "underscores": "every word starting with '--' has all underscores in its name (before '=') turned "
                       "into dashes",
        "O_levels": "-O is an alias of --compilation-config (json or an integer level 0-3); vLLM's own "
                    "'-O3' branch requires len(arg)==2 and never fires, so `-O3` works through argparse's "
                    "attached single-letter form (= -O 3); `-O=3` also works (argparse '=' split)",
        "no_forms": "only --enable-prefix-caching is a BooleanOptionalAction (--no-enable-prefix-caching); "
                    "all other booleans are store_true or StoreBoolean",
        "human_int": "none: --max-model-len and --max-num-batched-tokens are type=int ('32k' is 'invalid "
                     "int value')",
        "dotted_json": "not supported (a dotted option is an unrecognized argument)",
        "config_yaml": "`--config FILE.yaml` only with `serve MODEL` (ValueError 'No model_tag specified!' "
                       "if the model is missing); keys become `--key value`; YAML booleans: true -> bare "
                       "flag, false dropped, except StoreBoolean options which get 'True'/'False'",
        "model_flag": "`vllm serve` requires the positional model_tag; `--model` is also accepted (the "
                      "positional wins)",
        "api_server_module": "python -m vllm.entrypoints.openai.api_server builds the same parser without "
                             "the positional model_tag: the model is --model (default facebook/opt-125m)",
    },
    "0.8.5": {
        "file": "vllm/utils.py",
        "underscores": "as 0.6.6",
        "O_levels": "as 0.6.6 (-O alias of --compilation-config)",
        "no_forms": "config-dataclass booleans read through get_kwargs are BooleanOptionalAction "
                    "(--no-X exists), e.g. --enable-prefix-caching, --use-tqdm-on-load; options still "
                    "added by hand keep store_true",
        "human_int": "--max-model-len and --max-num-batched-tokens: " + HUMAN_INT_0_8,
        "dotted_json": "not supported",
        "config_yaml": "as 0.6.6, but the model may come from the YAML's `model:` key",
        "model_flag": "`vllm serve ... --model X` (the exact word `--model`) is a ValueError 'With `vllm "
                      "serve`, you should provide the model as a positional argument or in a config file "
                      "instead of via the `--model` option.'",
        "api_server_module": "python -m vllm.entrypoints.openai.api_server: no positional, --model as in 0.6.6",
    },
    "0.10.1": {
        "file": "vllm/utils/__init__.py",
        **COMMON_LATE,
        "O_levels": "`-O3`, `-O=3` -> `-O.level=3`; `-O 3` (0-3 only) -> `-O.level 3`; -O is the alias of "
                    "--compilation-config, so these become compilation_config.level; `-O.x` dotted works",
        "no_forms": "every bool field of a config dataclass is BooleanOptionalAction; hand-added store_true "
                    "remain (e.g. --disable-log-stats, --disable-log-requests deprecated for "
                    "--enable-log-requests, with a warning)",
        "human_int": "fields named in get_kwargs: max_model_len, max_num_batched_tokens: " + HUMAN_INT_0_8,
        "model_flag": "as 0.8.5 (ValueError)",
        "api_server_module": "make_arg_parser adds the positional model_tag too, so `python -m "
                             "vllm.entrypoints.openai.api_server MODEL` and `--model MODEL` both parse",
    },
    "0.11.0": {
        "file": "vllm/utils/__init__.py",
        **COMMON_LATE,
        "O_levels": "as 0.10.1 (-O.level)",
        "no_forms": "as 0.10.1",
        "human_int": "max_model_len, max_num_batched_tokens, kv_cache_memory_bytes: " + HUMAN_INT_0_8,
        "model_flag": "as 0.8.5 (ValueError)",
        "api_server_module": "as 0.10.1",
    },
    "0.16.0": {
        "file": "vllm/utils/argparse_utils.py",
        **COMMON_LATE,
        "O_levels": "`-O3`, `-O=3` -> `--optimization-level 3`; `-O 3` (0-3 only) -> "
                    "`--optimization-level`; the compilation config has its own alias -cc",
        "no_forms": "as 0.10.1",
        "human_int": "max_model_len: human_readable_int_or_auto; max_num_batched_tokens, "
                     "kv_cache_memory_bytes: human_readable_int. " + HUMAN_INT_LATER,
        "model_flag": "`--model X` / `--model=X` after `serve` is moved to the positional place with a "
                      "warning ('The `--model` option will be removed in v0.13.')",
        "api_server_module": "as 0.10.1",
    },
    "0.19.0": {
        "file": "vllm/utils/argparse_utils.py",
        **COMMON_LATE,
        "O_levels": "as 0.16.0 (--optimization-level)",
        "no_forms": "as 0.10.1",
        "human_int": "as 0.16.0. " + HUMAN_INT_LATER,
        "model_flag": "as 0.16.0 (warning '... will be removed in a future version.'); `vllm serve --x ... "
                      "--served-model-name N` without a positional model and without --config is a "
                      "ValueError '`model` should be provided as the first positional argument ...'",
        "api_server_module": "as 0.10.1",
    },
}
RULES["main-2026-05-19"] = dict(RULES["0.19.0"])
RULES["0.23.0"] = dict(RULES["0.19.0"])
RULES["0.23.0"]["config_yaml"] = COMMON_LATE["config_yaml"] + "; YAML mappings -> `--key '<json>'`"
for _t in ("0.16.0", "0.19.0", "main-2026-05-19"):
    RULES[_t]["config_yaml"] = COMMON_LATE["config_yaml"] + "; YAML mappings -> `--key '<json>'`"
RULES["0.11.0"]["config_yaml"] = (COMMON_LATE["config_yaml"] + "; StoreBoolean options get 'True'/'False'; "
                                  "mappings -> str(dict) (not JSON)")
RULES["0.10.1"]["config_yaml"] = ("as 0.6.6: keys -> `--key value`, true -> bare flag, false dropped, lists "
                                  "and mappings -> str(value)")


def rules_for(tag):
    r = dict(ARGPARSE)
    r.update(RULES[tag])
    return r
