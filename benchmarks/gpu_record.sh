#!/usr/bin/env bash
# Record what a real GPU machine says, for envcheck's replay tests and reference figures.
#
#   bash benchmarks/gpu_record.sh OUTDIR
#
# Run from the repository root. Needs no network and installs nothing: envcheck runs from the
# source tree (PYTHONPATH=$PWD python3 -m envcheck ...). Every step has its own time limit
# (benchmarks/record_step.py: SIGINT at the limit, so a bench reports what it measured and
# stops its worker; then SIGTERM, SIGKILL), and a failing step never stops the others. The
# steps share a wall-time budget (default 320 s; a step cut at the budget gets up to 25 s more
# to stop, then packing takes a second or two), so the record ends inside 6 minutes.
#
# On a lent GPU machine, run it as ONE command with a limit of about 420 s, writing under the
# folder the machine sends back:
#
#   command:  bash benchmarks/gpu_record.sh "$OUT/record"      timeout: 420 s
#
# then unpack OUTDIR/record.tar.gz into tests/data/real/<gpu>-<driver>/ (manifest.json names a
# folder in `suggested_folder`); tests/test_real_records.py replays it.
#
# Writes one file per step, OUTDIR/manifest.json (each step: name, status
# ok|failed|timed_out|skipped, seconds, file, exit_code, reason when not ok) and
# OUTDIR/record.tar.gz (everything, at most 16 MiB). Exit status 0 whenever the manifest was
# written. On a machine without a GPU the GPU steps are skipped with a reason.
#
# Environment (all optional):
#   ENVCHECK_RECORD_PYTHON   the interpreter that runs envcheck (default: python3)
#   ENVCHECK_RECORD_TARGET   the interpreter inspected and benchmarked, the one with torch
#                            (default: the same as ENVCHECK_RECORD_PYTHON)
#   ENVCHECK_RECORD_BUDGET   wall-time budget of all steps in seconds (default 320)
#   ENVCHECK_RECORD_MAX_STEP cap on every step's own limit in seconds (tests use it)
#   ENVCHECK_RECORD_ONLY     comma-separated step names to run; the others are skipped
#                            (select torch-cuda too for GPU steps: it decides whether they run)
#   ENVCHECK_RECORD_BENCH    "cpu": run the bench steps on the CPU with --quick even without a
#                            GPU, to check their command lines on a machine without one
set -u

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: bash benchmarks/gpu_record.sh OUTDIR" >&2
    exit 2
fi
OUT=$1
mkdir -p "$OUT" || { echo "gpu_record: cannot create $OUT" >&2; exit 2; }
OUT=$(cd "$OUT" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2

RP=${ENVCHECK_RECORD_PYTHON:-python3}
TP=${ENVCHECK_RECORD_TARGET:-$RP}
# The target by its full path, so the record names the interpreter it inspected.
TP=$(command -v "$TP" 2>/dev/null || echo "$TP")
BUDGET=${ENVCHECK_RECORD_BUDGET:-320}
MAX_STEP=${ENVCHECK_RECORD_MAX_STEP:-0}
ONLY=${ENVCHECK_RECORD_ONLY:-}
BENCH_MODE=${ENVCHECK_RECORD_BENCH:-gpu}
STEPS="$OUT/.steps.tsv"
: > "$STEPS"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONIOENCODING=utf-8
export NO_COLOR=1

now_ms() {
    if [ -n "${EPOCHREALTIME:-}" ]; then
        local t=${EPOCHREALTIME/[.,]/}
        echo $(( 10#$t / 1000 ))
    else
        echo $(( $(date +%s%N) / 1000000 ))
    fi
}
START_MS=$(now_ms)

log() { echo "[gpu_record] $*" >&2; }

# Steps run under benchmarks/record_step.py (SIGINT first at the limit, so a bench stops its
# worker and prints what it measured); coreutils' timeout only if that Python cannot run.
LIMITER=python
if ! "$RP" -c 'import subprocess' > /dev/null 2>&1; then
    LIMITER=timeout
    log "$RP cannot run: steps run under coreutils' timeout"
fi
export PATH="$PATH:/usr/sbin:/sbin"

# note NAME STATUS SECONDS FILE EXIT_CODE REASON: one manifest row (tabs and newlines removed).
note() {
    local reason=${6//$'\t'/ }
    reason=${reason//$'\n'/ }
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${reason:0:300}" >> "$STEPS"
    log "$1: $2${6:+ ($reason)} [$3 s]"
}

skip() { note "$1" skipped 0 "" "" "$2"; }

selected() {
    [ -z "$ONLY" ] && return 0
    case ",$ONLY," in *",$1,"*) return 0 ;; esac
    return 1
}

# step NAME LIMIT_S FILE OK_CODES CMD...: run CMD with stdout to OUT/FILE and stderr to
# OUT/FILE.stderr (removed when empty), stdin from $STEP_IN (default /dev/null). OK_CODES
# lists the exit codes that count as ok ("0 1" where exit 1 means "ran and found an error",
# as for the doctor and the bench).
step() {
    local name=$1 limit=$2 file=$3 okcodes=$4
    shift 4
    if ! selected "$name"; then
        skip "$name" "not selected (ENVCHECK_RECORD_ONLY)"
        return 0
    fi
    local left=$(( BUDGET - ($(now_ms) - START_MS) / 1000 ))
    if [ "$left" -lt 5 ]; then
        skip "$name" "the record's time budget (${BUDGET} s) is spent"
        return 0
    fi
    [ "$limit" -gt "$left" ] && limit=$left
    [ "$MAX_STEP" -gt 0 ] && [ "$limit" -gt "$MAX_STEP" ] && limit=$MAX_STEP
    local t0 rc secs
    t0=$(now_ms)
    if [ "$LIMITER" = python ]; then
        "$RP" "$ROOT/benchmarks/record_step.py" "$limit" "$OUT/$file" "$OUT/$file.stderr" \
            "${STEP_IN:-/dev/null}" -- "$@"
    else
        timeout -s INT -k 20 "$limit" "$@" > "$OUT/$file" 2> "$OUT/$file.stderr" \
            < "${STEP_IN:-/dev/null}"
    fi
    rc=$?
    secs=$(( $(now_ms) - t0 ))
    secs=$(printf '%d.%03d' $(( secs / 1000 )) $(( secs % 1000 )))
    [ -s "$OUT/$file.stderr" ] || rm -f "$OUT/$file.stderr"
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        note "$name" timed_out "$secs" "$file" "$rc" "no end within ${limit} s"
    elif [[ " $okcodes " == *" $rc "* ]] && { [ "$rc" -eq 0 ] || { [ -s "$OUT/$file" ] &&
            ! grep -qs '^Traceback (most recent call last)' "$OUT/$file.stderr"; }; }; then
        # A non-zero code counts as ok only with output and no traceback ("found an error").
        note "$name" ok "$secs" "$file" "$rc" ""
    else
        local why=""
        [ -f "$OUT/$file.stderr" ] && why=$(grep -v '^[[:space:]]*$' "$OUT/$file.stderr" | tail -n 1)
        [ -z "$why" ] && why=$(grep -v '^[[:space:]]*$' "$OUT/$file" 2>/dev/null | tail -n 1)
        note "$name" failed "$secs" "$file" "$rc" "exit $rc${why:+: $why}"
    fi
    return 0
}

# needs NAME WHAT TEST...: skip NAME (with WHAT as the reason) unless TEST succeeds.
needs() {
    local name=$1 why=$2
    shift 2
    if "$@" > /dev/null 2>&1; then
        return 0
    fi
    if selected "$name"; then
        skip "$name" "$why"
    else
        skip "$name" "not selected (ENVCHECK_RECORD_ONLY)"
    fi
    return 1
}

log "recording into $OUT (envcheck under $RP, target $TP, budget $BUDGET s)"

# -- the machine as the driver and the system see it ----------------------------------------
step system 10 system.txt "0" bash -c \
    'uname -a; echo; cat /etc/os-release 2>/dev/null; echo; echo "cpus: $(nproc)"; \
     free -b 2>/dev/null; echo; ls -l /dev/nvidia* 2>/dev/null || echo "no /dev/nvidia*"'
SMI_MISSING="nvidia-smi is not on PATH (no NVIDIA driver utilities here)"
if needs nvidia-smi "$SMI_MISSING" command -v nvidia-smi; then
    step nvidia-smi 20 nvidia-smi.txt "0" nvidia-smi
fi
if needs nvidia-smi-L "$SMI_MISSING" command -v nvidia-smi; then
    step nvidia-smi-L 20 nvidia-smi-L.txt "0" nvidia-smi -L
fi
QUERY_FIELDS=$("$RP" -c 'from envcheck.probes.nvidia import SMI_QUERY_FIELDS as f
print(",".join(f))' 2>/dev/null) || QUERY_FIELDS=""
if [ -z "$QUERY_FIELDS" ]; then
    QUERY_FIELDS="index,name,uuid,driver_version,memory.total,memory.used,compute_cap"
fi
if needs nvidia-smi-query "$SMI_MISSING" command -v nvidia-smi; then
    # Exactly the probe's own argv (envcheck/probes/nvidia.py), so its parser replays it.
    step nvidia-smi-query 20 nvidia-smi-query.csv "0" \
        nvidia-smi "--query-gpu=$QUERY_FIELDS" --format=csv,noheader,nounits
fi
if needs nvidia-smi-q "$SMI_MISSING" command -v nvidia-smi; then
    step nvidia-smi-q 30 nvidia-smi-q.txt "0" nvidia-smi -q
fi
if needs nvidia-smi-q-xml "$SMI_MISSING" command -v nvidia-smi; then
    step nvidia-smi-q-xml 30 nvidia-smi-q.xml "0" nvidia-smi -q -x
fi
if needs nvidia-smi-topo "$SMI_MISSING" command -v nvidia-smi; then
    step nvidia-smi-topo 20 nvidia-smi-topo-m.txt "0" nvidia-smi topo -m
fi
if needs nvcc "nvcc is not on PATH (no CUDA toolkit here)" command -v nvcc; then
    step nvcc 20 nvcc-version.txt "0" nvcc --version
fi
if needs proc-driver-version "no /proc/driver/nvidia/version (the nvidia kernel module is \
not loaded)" test -r /proc/driver/nvidia/version; then
    step proc-driver-version 5 proc-driver-nvidia-version.txt "0" \
        cat /proc/driver/nvidia/version
fi
if needs sys-module-version "no /sys/module/nvidia/version (the nvidia kernel module is not \
loaded)" test -r /sys/module/nvidia/version; then
    step sys-module-version 5 sys-module-nvidia-version.txt "0" cat /sys/module/nvidia/version
fi
# grep's exit 1 (no CUDA library in the cache) is a finding, not a failure.
step ldconfig-cuda 10 ldconfig-cuda.txt "0 1" bash -c 'ldconfig -p | grep -i cud'
step nvml-dump 30 nvml-dump.json "0" "$RP" benchmarks/nvml_dump.py -

# -- the target interpreter ------------------------------------------------------------------
STEP_IN=envcheck/probes/target_script.py step target-script 30 target-script.txt "0" "$TP" -
STEP_IN=envcheck/probes/torch_script.py step torch-script 90 torch-script.txt "0" "$TP" -
# Whether torch sees a CUDA device: gates the GPU steps (exit 3: no CUDA device).
step torch-cuda 60 torch-cuda.json "0 3" "$TP" -c '
import json, sys
import torch
ok = torch.cuda.is_available()
devices = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if ok else []
print(json.dumps({"torch": torch.__version__, "cuda": torch.version.cuda, "available": ok,
                  "devices": devices}))
sys.exit(0 if ok else 3)'
HAVE_CUDA=0
if grep -q '"available": true' "$OUT/torch-cuda.json" 2>/dev/null; then
    HAVE_CUDA=1
fi

# -- envcheck itself -------------------------------------------------------------------------
step doctor-json 90 doctor.json "0 1" "$RP" -m envcheck doctor --json --python "$TP"

# -- the bench, and a bare loop of the same recipe beside it ---------------------------------
# On a GPU: the default recipe (ResNet-50, batch 256, AMP, channels_last), 20 s per timed run,
# and the bare loop of the same recipe for as long. CPU mode only checks the command lines.
BENCH_ARGS=()
RESNET_ARGS=(resnet --seconds 20)
CNN_ARGS=(cnn)
BARE_ARGS=(--seconds 20)
if [ "$HAVE_CUDA" -eq 1 ]; then
    RUN_BENCH=1
elif [ "$BENCH_MODE" = "cpu" ]; then
    RUN_BENCH=1
    BENCH_ARGS=(--device cpu)
    RESNET_ARGS=(resnet --quick)
    CNN_ARGS=(cnn --quick)
    BARE_ARGS=(--device cpu --batch 8 --seconds 2 --warmup 1)
else
    RUN_BENCH=0
fi
NO_GPU="no CUDA device visible to torch in $TP (torch-cuda.json says why)"
bench_step() {  # bench_step NAME LIMIT FILE ARGS...
    local name=$1 limit=$2 file=$3
    shift 3
    if [ "$RUN_BENCH" -eq 1 ]; then
        step "$name" "$limit" "$file" "0 1" "$RP" -m envcheck bench "$@" "${BENCH_ARGS[@]}" \
            --json --python "$TP"
    elif selected "$name"; then
        skip "$name" "$NO_GPU"
    else
        skip "$name" "not selected (ENVCHECK_RECORD_ONLY)"
    fi
}
bench_step bench-resnet 150 bench-resnet.json "${RESNET_ARGS[@]}"
if [ "$RUN_BENCH" -eq 1 ]; then
    step bare-resnet 100 bare-resnet.json "0" "$TP" benchmarks/bare_resnet.py "${BARE_ARGS[@]}"
elif selected bare-resnet; then
    skip bare-resnet "$NO_GPU"
else
    skip bare-resnet "not selected (ENVCHECK_RECORD_ONLY)"
fi
bench_step bench-matmul 60 bench-matmul.json matmul
bench_step bench-transfer 45 bench-transfer.json transfer
bench_step bench-cnn 60 bench-cnn.json "${CNN_ARGS[@]}"

# -- the rest of envcheck's outputs and torch's own report ----------------------------------
step doctor-text 60 doctor.txt "0 1" "$RP" -m envcheck doctor -v --python "$TP"
step doctor-markdown 60 doctor.md "0 1" "$RP" -m envcheck doctor --markdown --python "$TP"
step collect-env 60 collect-env.txt "0" "$TP" -m torch.utils.collect_env
# Last, as time allows: the --ddp path on one GPU (NCCL's init, all_gather, 256 MiB all-reduce).
bench_step bench-ddp 90 bench-ddp.json cnn --quick --ddp 1

# -- manifest and archive --------------------------------------------------------------------
WALL_MS=$(( $(now_ms) - START_MS ))
FINALISE=$(cat <<'PY'
import json, os, sys, tarfile, time
out, wall_ms, budget, rp, tp, commit = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                        *sys.argv[4:7])
limit = 16 * 2**20
steps = []
with open(os.path.join(out, ".steps.tsv"), encoding="utf-8", errors="replace") as fh:
    for line in fh:
        name, status, secs, file, code, reason = (line.rstrip("\n").split("\t") + [""] * 6)[:6]
        row = {"name": name, "status": status, "seconds": float(secs or 0),
               "file": file or None, "exit_code": int(code) if code else None}
        if status == "ok" and file.endswith(".json"):
            # A bench that measured nothing still prints JSON: {error: {code, message}, ...}.
            try:
                with open(os.path.join(out, file), encoding="utf-8") as doc:
                    error = json.load(doc).get("error")
            except Exception as exc:
                error = {"code": "unreadable_json", "message": str(exc)[:200]}
            if error:
                row["status"], reason = "failed", f"{error.get('code')}: {error.get('message')}"
        if row["status"] != "ok":
            row["reason"] = reason
        steps.append(row)
folder = None
try:
    with open(os.path.join(out, "nvml-dump.json"), encoding="utf-8") as fh:
        dump = json.load(fh)
    name = dump["devices"][0]["name"]["value"]
    driver = dump["system"]["driver_version"]["value"]
    slug = "".join(c if c.isalnum() else "-" for c in name.lower().replace("nvidia ", ""))
    folder = "-".join(p for p in slug.split("-") if p) + "-" + driver
except Exception:
    pass
manifest = {
    "format": "envcheck-gpu-record", "version": 1,
    "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "wall_s": wall_ms / 1000, "budget_s": budget, "envcheck_python": rp, "target_python": tp,
    "envcheck_commit": commit or None,
    "suggested_folder": folder, "steps": steps,
    "counts": {s: sum(1 for r in steps if r["status"] == s)
               for s in ("ok", "failed", "timed_out", "skipped")},
}
skip = ("record.tar.gz", ".steps.tsv", "manifest.json")
files = sorted(f for f in os.listdir(out)
               if f not in skip and os.path.isfile(os.path.join(out, f)))
big = sorted(files, key=lambda f: -os.path.getsize(os.path.join(out, f)))
left_out = []
archive = os.path.join(out, "record.tar.gz")
while True:
    manifest["left_out_of_archive"] = left_out
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=1)
        fh.write("\n")
    with tarfile.open(archive, "w:gz") as tar:
        for f in ["manifest.json"] + [f for f in files if f not in left_out]:
            tar.add(os.path.join(out, f), arcname=f)
    if os.path.getsize(archive) <= limit or not big:
        break
    left_out.append(big.pop(0))
os.remove(os.path.join(out, ".steps.tsv"))
print(json.dumps(manifest["counts"]))
PY
)
COMMIT=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null) || COMMIT=""
if ! "$RP" -c "$FINALISE" "$OUT" "$WALL_MS" "$BUDGET" "$RP" "$TP" "$COMMIT" &&
   ! python3 -c "$FINALISE" "$OUT" "$WALL_MS" "$BUDGET" "$RP" "$TP" "$COMMIT"; then
    echo "gpu_record: could not write the manifest (no working Python)" >&2
    exit 1
fi
log "done in $(( WALL_MS / 1000 )) s: $OUT/manifest.json, $OUT/record.tar.gz"
exit 0
