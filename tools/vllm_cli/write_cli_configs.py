#!/usr/bin/env python3
"""Turn extract_vllm_cli.py's raw output into configs/vllm_cli/<tag>.json (schema tpsim.vllm_cli/1).

Usage: write_cli_configs.py RAW_DIR OUT_DIR TAG:read_from ...
Fails (exit 1) when an option has no memory class in memory_map.py.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from memory_map import classify  # noqa: E402
from parser_rules import rules_for  # noqa: E402

SCHEMA_TYPES = {"int", "human_int", "float", "str", "bool", "bool_optional", "json", "choice", "list"}

# Environment variables that change start-up memory (or how a line is understood), by name.
ENV_MEMORY = {
    "VLLM_USE_V1": ("not_modelled", "V0 or V1 engine (tpsim picks the engine from --vllm-version); default "
                                    "1 from 0.8.0, removed by PR #28204"),
    "VLLM_ATTENTION_BACKEND": ("not_modelled", "attention backend (KV layout, workspace); removed by PR "
                                               "#32812 in favour of --attention-backend"),
    "VLLM_PP_LAYER_PARTITION": ("not_modelled", "layers per pipeline stage"),
    "VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS": ("models", "tpsim --estimate-cudagraphs; default 0 until "
                                                           "0.20.x, 1 from 0.21.0"),
    "VLLM_ALLOW_LONG_MAX_MODEL_LEN": ("not_modelled", "allows --max-model-len above the model's derived "
                                                      "maximum (else vLLM refuses)"),
    "VLLM_USE_V2_MODEL_RUNNER": ("not_modelled", "forces/blocks Model Runner V2 (profile run, graph "
                                                 "estimate)"),
    "VLLM_ENABLE_V1_MULTIPROCESSING": ("none", "engine core in a separate process or not (no card "
                                               "memory of its own)"),
    "VLLM_WORKER_MULTIPROC_METHOD": ("none", "fork/spawn of workers"),
    "VLLM_USE_FLASHINFER_SAMPLER": ("not_modelled", "sampler implementation (profile-run sampler "
                                                    "temporaries)"),
    "VLLM_FUSED_MOE_CHUNK_SIZE": ("not_modelled", "MoE activation chunk (profile-run peak)"),
    "VLLM_CPU_KVCACHE_SPACE": ("none", "CPU backend only"),
    "VLLM_ALLREDUCE_USE_SYMM_MEM": ("not_modelled", "symmetric-memory all-reduce buffers"),
    "VLLM_USE_DEEP_GEMM": ("not_modelled", "FP8 block GEMM kernel (workspace)"),
    "VLLM_MARLIN_USE_ATOMIC_ADD": ("none", "kernel variant"),
    "VLLM_ENABLE_CUDAGRAPH_GC": ("none", "garbage collection during capture"),
    "VLLM_SKIP_P2P_CHECK": ("none", "custom all-reduce P2P check"),
}


def to_schema(o):
    t = o.get("type")
    out = {"name": o["name"], "aliases": o.get("aliases", []), "dest": o["dest"]}
    if o.get("positional"):
        out["positional"] = True
    if t not in SCHEMA_TYPES:
        if t in ("json_or_str", "kvs"):
            out["type"] = "json"
            out["value_form"] = {"json_or_str": "JSON object, or a plain string",
                                 "kvs": "KEY=INT,KEY=INT (e.g. image=2,video=1)"}[t]
        else:
            out["type"] = "choice" if o.get("choices") else "str"
            out["type_expr"] = t
    else:
        out["type"] = t
    if o.get("choices") is not None and out["type"] in ("choice", "list", "int", "str"):
        out["choices"] = o["choices"]
        if out["type"] in ("int", "str") and not o.get("metavar_choices"):
            out["type"] = "choice"
    if o.get("choices_from"):
        out["choices_from"] = o["choices_from"]
    if o.get("choices_expr"):
        out["choices_expr"] = o["choices_expr"]
    if o.get("metavar_choices"):
        out["known_values"] = o["metavar_choices"]
        out["known_values_note"] = "listed in --help (Literal | str); any string is accepted"
    if o.get("registry_names"):
        out["known_values"] = o["registry_names"]
        out["known_values_note"] = "registered in the tree at this commit (plugins may add more)"
    if o.get("element"):
        out["element"] = o["element"]
    if "default" in o:
        d = o["default"]
        out["default"] = d
    else:
        out["default"] = None
        out["default_expr"] = o.get("default_expr")
        out["default_note"] = "not read: computed at parse time from the expression in default_expr"
    if isinstance(out.get("default"), str) and out["default"].startswith("${"):
        out["default_note"] = "from an environment variable (see env)"
    if o.get("nargs") is not None:
        out["nargs"] = o["nargs"]
    if o.get("action") and o["action"] not in ("store_true", "store_false", "BooleanOptionalAction"):
        out["action"] = o["action"]
    if o.get("optional_none"):
        out["none_word"] = "the word 'None' (or an empty string) gives None"
    if o.get("parser_fn"):
        out["parser_fn"] = o["parser_fn"]
    if o.get("deprecated"):
        out["deprecated"] = True
    if o.get("_from"):
        out["field"] = o["_from"]
    out["group"] = o.get("group")
    out["source"] = o["_where"]
    cls = classify(o["name"])
    if cls is None:
        return out, False
    out["memory"], out["note"] = cls
    return out, True


def main():
    raw_dir, out_dir = sys.argv[1], sys.argv[2]
    missing = set()
    for spec in sys.argv[3:]:
        tag, read_from = spec.split(":", 1)
        raw = json.load(open(os.path.join(raw_dir, tag + ".json")))
        options = []
        for o in raw["options"]:
            s, ok = to_schema(o)
            if not ok:
                missing.add(o["name"])
            options.append(s)
        env = []
        for e in raw["env"]:
            m = ENV_MEMORY.get(e["name"])
            item = {"name": e["name"], "default": e["default"], "reader": e["reader"]}
            if e.get("default_note"):
                item["default_note"] = e["default_note"]
            if m:
                item["memory"], item["note"] = m
            else:
                item["memory"] = "not_classified"
            env.append(item)
        doc = {
            "schema": "tpsim.vllm_cli/1",
            "vllm": tag,
            "read_from": read_from,
            "files_read": raw["files"],
            "counts": {"options": len(options), "env": len(env)},
            "options": options,
            "env": env,
            "env_outside_vllm": [
                {"name": "PYTORCH_CUDA_ALLOC_CONF", "memory": "not_modelled",
                 "note": "expandable_segments:True changes the caching allocator's segments; read by "
                         "PyTorch, not by vLLM's envs.py"},
                {"name": "NCCL_BUFFSIZE", "memory": "not_modelled",
                 "note": "NCCL channel buffer size (read by NCCL); see research/nccl_cuda_overheads.md"},
                {"name": "NCCL_NCHANNELS_PER_NET_PEER", "memory": "not_modelled", "note": "read by NCCL"},
                {"name": "NCCL_MAX_NCHANNELS", "memory": "not_modelled", "note": "read by NCCL"},
                {"name": "CUDA_VISIBLE_DEVICES", "memory": "none",
                 "note": "which cards; tpsim takes cards from --gpu/--topology"},
            ],
            "parser_rules": rules_for(tag),
        }
        with open(os.path.join(out_dir, tag + ".json"), "w") as fh:
            json.dump(doc, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
        print(f"{tag}: {len(options)} options, {len(env)} env")
    if missing:
        print("no memory class:", " ".join(sorted(missing)))
        sys.exit(1)


main()
