"""Runs INSIDE the target interpreter: import torch, initialise CUDA, run one tiny kernel.

envcheck feeds this file's source to the target interpreter on stdin (``python -``) in a
killable subprocess with a time limit; it is never imported by envcheck itself. It uses only
the standard library besides torch and keeps to syntax that Python 3.6 parses.

Progress is printed as one JSON record per line, each after a marker, and flushed at once:
if torch crashes the process (a segfault in a native library) or hangs, the records already
printed still say how far it got. Every step sits in its own ``try`` so one failure does not
hide the others.
"""

import json
import os
import sys
import time
import traceback
import warnings

MARK = "@@envcheck-torch@@"
LIB_PREFIXES = ("libcuda.", "libcudart", "libcudnn", "libnccl", "libcublas", "libnvrtc")
TEXT_LIMIT = 2000


def record(stage, caught=None, **values):
    values["stage"] = stage
    if caught is not None:
        values["warnings"] = warning_texts(caught)
    sys.stdout.write("\n" + MARK + json.dumps(values, sort_keys=True) + "\n")
    sys.stdout.flush()


def describe(exc):
    lines = str(exc).strip().splitlines()
    return type(exc).__name__ + (": " + lines[0][:TEXT_LIMIT] if lines else "")


def warning_texts(caught):
    texts = []
    for item in caught:
        text = str(item.message).strip()[:TEXT_LIMIT]
        if text and text not in texts:
            texts.append(text)
    return texts


def step(errors, name, fn):
    try:
        return fn()
    except Exception as exc:  # each step reports its own failure and the next one runs
        errors[name + "_error"] = describe(exc)
        return None


def device_info(torch, index):
    props = torch.cuda.get_device_properties(index)
    return {
        "index": index,
        "name": str(props.name),
        "capability": "%d.%d" % (props.major, props.minor),
        "total_memory_bytes": int(props.total_memory),
    }


def nccl_version(torch):
    value = torch.cuda.nccl.version()
    if isinstance(value, tuple):
        return [int(part) for part in value]
    return int(value)


def cuda_facts(torch, caught):
    result = {}
    result["cudnn_version"] = step(result, "cudnn", torch.backends.cudnn.version)
    before = len(caught)
    available = step(result, "cuda_available", torch.cuda.is_available)
    result["cuda_available"] = available
    result["device_count"] = step(result, "device_count", torch.cuda.device_count)
    init_error = None
    if available:
        try:
            torch.cuda.init()
        except Exception as exc:
            init_error = describe(exc)
    # What is_available() and init() warned (driver too old, GPU arch unsupported) comes first.
    init_warnings = warning_texts(caught[before:])
    if init_warnings or init_error:
        result["cuda_error"] = init_warnings[0] if init_warnings else init_error
    result["arch_list"] = step(result, "arch_list", lambda: list(torch.cuda.get_arch_list()))
    if available:
        count = result["device_count"] or 0
        result["devices"] = step(
            result, "devices", lambda: [device_info(torch, i) for i in range(count)]
        )
    else:
        result["devices"] = []
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and hasattr(mps, "is_available"):
        result["mps_available"] = step(result, "mps", lambda: bool(mps.is_available()))
    else:
        result["mps_available"] = False
    if getattr(torch.version, "cuda", None):
        result["nccl_version"] = step(result, "nccl", lambda: nccl_version(torch))
    else:
        result["nccl_error"] = "not a CUDA build"
    return result


def tiny_kernel(torch, device):
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(64, 64, generator=generator)
    b = torch.randn(64, 64, generator=generator)
    expected = a @ b
    got = a.to(device) @ b.to(device)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    got = got.cpu()
    return {
        "kernel_ok": bool(torch.allclose(got, expected, rtol=1e-2, atol=1e-2)),
        "kernel_max_abs_diff": float((got - expected).abs().max()),
    }


def loaded_libraries():
    maps = "/proc/self/maps"
    if not os.path.exists(maps):
        return {"loaded_libs_error": "no /proc/self/maps on this system"}
    found = []
    handle = open(maps, "rb")
    try:
        for raw in handle:
            parts = raw.decode("utf-8", "replace").split(None, 5)
            if len(parts) < 6:
                continue
            path = parts[5].strip()
            if os.path.basename(path).startswith(LIB_PREFIXES) and path not in found:
                found.append(path)
    finally:
        handle.close()
    return {"loaded_libs": found}


def main():
    record("start", executable=sys.executable, pid=os.getpid())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        record("import")
        started = time.time()
        try:
            import torch
        except BaseException as exc:  # SystemExit from a broken package counts as a failure
            record(
                "import_failed", caught,
                import_seconds=round(time.time() - started, 3),
                import_error=describe(exc),
                import_traceback=traceback.format_exc().strip().splitlines()[-4:],
            )
            return
        seconds = round(time.time() - started, 3)
        version = getattr(torch, "version", None)
        record(
            "imported", caught,
            import_seconds=seconds,
            runtime_version=str(getattr(torch, "__version__", "")) or None,
            version_cuda=getattr(version, "cuda", None),
            version_hip=getattr(version, "hip", None),
            torch_file=getattr(torch, "__file__", None),
        )
        record("cuda", caught)
        facts = cuda_facts(torch, caught)
        record("cuda_done", caught, **facts)

        device = None
        if facts.get("cuda_available") and (facts.get("device_count") or 0) > 0:
            device = "cuda:0"
        elif facts.get("mps_available"):
            device = "mps"
        if device is None:
            record("kernel_done", caught, kernel_skipped="no CUDA or MPS device to run on")
        else:
            record("kernel", caught, kernel_device=device)
            try:
                outcome = tiny_kernel(torch, device)
            except Exception as exc:
                outcome = {"kernel_ok": False, "kernel_error": describe(exc)}
            record("kernel_done", caught, **outcome)
        try:
            libs = loaded_libraries()
        except Exception as exc:
            libs = {"loaded_libs_error": describe(exc)}
        record("done", caught, **libs)


if __name__ == "__main__":  # run as ``python -``; tests import the helpers
    main()
    # Everything is printed: leave without interpreter teardown. Unloading torch (its atexit
    # hooks, thread pools and CUDA libraries) takes 0.3-0.5 s and reports nothing we read.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
