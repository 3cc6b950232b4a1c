"""The benchmark worker: runs INSIDE the target interpreter and needs only torch.

Launched by path (``python worker.py --json-args '{...}'``) so an envcheck installed with pipx
measures the user's own environment. It never imports envcheck. It writes protocol lines on
stdout, each ``ENVCHECK-BENCH <json>``: ``{"type": "progress", ...}`` while it works and one
``{"type": "result", ...}`` at the end (also after Ctrl-C, with ``"interrupted": true``).
Anything else on stdout/stderr (torch warnings) is ignored by the parent.

Kinds of work (``"kind"`` in the arguments): ``train`` (a model's training throughput, CPU
comparison, correctness checks; DDP when started by torchrun), ``matmul`` and ``transfer``.
Timing never reads a clock without synchronising the device first.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

PREFIX = "ENVCHECK-BENCH "

try:
    import torch
    from torch.nn import functional as F
except ImportError as _exc:  # the parent turns this into "no torch here" and exit status 2
    _msg = {"type": "error", "code": "no_torch", "message": f"{type(_exc).__name__}: {_exc}",
            "python": sys.executable}
    sys.stdout.write(PREFIX + json.dumps(_msg) + "\n")
    sys.exit(3)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if TYPE_CHECKING:
    from envcheck.bench import bench_math, devices, hardware, nets
else:  # run by path: sibling modules are importable from the script's folder
    bench_math = importlib.import_module("bench_math")
    devices = importlib.import_module("devices")
    hardware = importlib.import_module("hardware")
    nets = importlib.import_module("nets")

emit, pick_device, sync, device_info = (
    devices.emit, devices.pick_device, devices.sync, devices.device_info)
versions, auto_precision, baseline_precision = (
    devices.versions, devices.auto_precision, devices.baseline_precision)
set_tf32, amp_dtype = devices.set_tf32, devices.amp_dtype
percentile, step_stats, block_for, loss_summary = (
    bench_math.percentile, bench_math.step_stats, bench_math.block_for, bench_math.loss_summary)

SEED = 1234
LR = 0.01  # ResNet-50 at lr 0.05 diverged on synthetic data (bench-references.md section 7)
Args = dict[str, Any]


# --- data ----------------------------------------------------------------------------------


def make_dataset(
    model: str,
    batch: int,
    batches: int,
    device: torch.device,
    image_size: int | None,
    classes: int,
    seed: int,
    channels_last: bool,
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Learnable synthetic batches made on ``device``: a class prototype plus noise.

    The prototypes depend only on ``SEED`` (train and held-out data share them); the noise and
    labels depend on ``seed``. Living on the device, the data measures the GPU, not a loader.
    """
    shape = nets.input_shape(model, image_size)
    proto_gen = _generator(device, SEED)
    prototypes = torch.randn((classes, *shape), generator=proto_gen, device=device)
    gen = _generator(device, seed)
    xs, ys = [], []
    for _ in range(batches):
        labels = torch.randint(0, classes, (batch,), generator=gen, device=device)
        noise = torch.randn((batch, *shape), generator=gen, device=device)
        images = prototypes[labels] + 0.5 * noise
        if channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        xs.append(images)
        ys.append(labels)
    return xs, ys


def _generator(device: torch.device, seed: int) -> torch.Generator:
    try:
        gen = torch.Generator(device=device)
    except RuntimeError:  # some backends have no device generator
        gen = torch.Generator()
    gen.manual_seed(seed)
    return gen


# --- training ------------------------------------------------------------------------------


class Trainer:
    """One model, optimiser and precision recipe on one device; runs timed training steps."""

    def __init__(self, args: Args, device: torch.device, precision: str, batch: int) -> None:
        torch.manual_seed(SEED)
        self.device = device
        self.precision = precision
        self.batch = batch
        self.channels_last = bool(args["channels_last"]) and args["model"] != "mnist_cnn"
        set_tf32(precision == "tf32")
        model = nets.build(args["model"]).to(device)
        if self.channels_last:
            model = model.to(memory_format=torch.channels_last)
        self.model = model
        self.ddp = None
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            from torch.nn.parallel import DistributedDataParallel

            ids = [device.index] if device.type == "cuda" else None
            self.ddp = DistributedDataParallel(model, device_ids=ids)
        self.forward_model: Any = self.ddp or model
        self.compile_requested = bool(args.get("compile"))
        if self.compile_requested:
            self.forward_model = torch.compile(self.forward_model)
        self.opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
        self.dtype = amp_dtype(precision)
        self.scaler = (
            torch.amp.GradScaler(device.type) if precision == "amp-fp16" else None
        )
        rank = int(os.environ.get("RANK", "0"))
        self.xs, self.ys = make_dataset(
            args["model"], batch, 4, device, args.get("image_size"), args["classes"],
            SEED + 1 + rank, self.channels_last,
        )
        self.cursor = 0

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        """Mixed precision for AMP recipes; nothing at all (not even a disabled autocast,
        which warns on CPU for float32) otherwise."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)

    def step(self) -> torch.Tensor:
        """One optimisation step on the next synthetic batch; returns the (lazy) loss."""
        x, y = self.xs[self.cursor % len(self.xs)], self.ys[self.cursor % len(self.ys)]
        self.cursor += 1
        self.opt.zero_grad(set_to_none=True)
        with self.autocast():
            loss = F.cross_entropy(self.forward_model(x), y)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.step(self.opt)
            self.scaler.update()
        else:
            loss.backward()
            self.opt.step()
        return loss.detach()

    def timed_block(self, steps: int) -> tuple[float, list[torch.Tensor]]:
        """Run ``steps`` steps between two synchronisations; seconds per step and the losses.

        CUDA events time the GPU work; elsewhere a synchronised perf_counter does.
        """
        losses = []
        if self.device.type == "cuda":
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(steps):
                losses.append(self.step())
            end.record()
            end.synchronize()
            return start.elapsed_time(end) / 1000.0 / steps, losses
        sync(self.device)
        t0 = time.perf_counter()
        for _ in range(steps):
            losses.append(self.step())
        sync(self.device)
        return (time.perf_counter() - t0) / steps, losses


def _is_oom(exc: BaseException) -> bool:
    oom_type = getattr(torch.cuda, "OutOfMemoryError", None)
    return (oom_type is not None and isinstance(exc, oom_type)) or "out of memory" in str(exc)


def _release(device: torch.device) -> None:
    import gc

    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def _agree(value: int) -> int:
    """In DDP every rank must run the same steps (each step's backward is a collective), so
    rank 0's choice wins wherever ranks would otherwise decide from their own timings."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return value
    backend = torch.distributed.get_backend()
    dev = torch.device("cuda", torch.cuda.current_device()) if backend == "nccl" else None
    t = torch.tensor([value], dtype=torch.int64, device=dev)
    torch.distributed.broadcast(t, 0)
    return int(t.item())


def _agree_continue(flag: bool) -> bool:
    """Whether to run more steps, as rank 0 sees it."""
    return bool(_agree(1 if flag else 0))


def train_run(args: Args, device: torch.device, precision: str, seconds: float,
              label: str, checks: bool) -> tuple[dict[str, Any], Trainer | None]:
    """Warm up, time, and summarise one training recipe; halves the batch on OOM."""
    batch = int(args["batch"])
    requested = batch
    while True:
        trainer: Trainer | None = None
        try:
            trainer = Trainer(args, device, precision, batch)
            result = _measure(trainer, args, seconds, label)
            break
        except RuntimeError as exc:  # torch.cuda.OutOfMemoryError is a RuntimeError
            if not _is_oom(exc) or batch <= 1:
                raise
        # Outside the except block the traceback (and the tensors its frames hold) is gone,
        # so the cache can really be emptied before the retry.
        trainer = None
        _release(device)
        emit("progress", phase="oom", run=label,
             message=f"out of memory at batch {batch}; retrying with {batch // 2}")
        batch //= 2
    result.update(
        run=label, model=args["model"], device=str(device), precision=precision, batch=batch,
        batch_requested=requested, batch_halved=batch != requested,
        channels_last=trainer.channels_last, compile=trainer.compile_requested,
    )
    return result, trainer


def _measure(trainer: Trainer, args: Args, seconds: float, label: str) -> dict[str, Any]:
    device = trainer.device
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    cold, first_losses = trainer.timed_block(1)
    losses: list[torch.Tensor] = list(first_losses)
    emit("progress", phase="warmup", run=label, step=1, first_step_s=cold)
    # Warm up until the step time settles: two successive 3-step medians within 5 %.
    warm: list[float] = []
    warm_budget = max(seconds * 0.25, cold * 2)
    start = time.perf_counter()
    max_warm = int(args.get("max_warmup", 50))
    min_warm = int(args.get("min_warmup", 3))
    while len(warm) < max_warm:
        t, ls = trainer.timed_block(1)
        warm.append(t)
        losses += ls
        settled = len(warm) >= 6 and abs(
            statistics.median(warm[-3:]) - statistics.median(warm[-6:-3])
        ) <= 0.05 * statistics.median(warm[-3:])
        elapsed = time.perf_counter() - start
        if not _agree_continue(not (len(warm) >= min_warm and (settled or elapsed > warm_budget))):
            break
    typical = statistics.median(warm[-3:]) if warm else cold
    block = _agree(block_for(typical))
    emit("progress", phase="timed_start", run=label, warmup_steps=len(warm), block=block)
    min_steps = int(args.get("min_steps", 5))
    max_steps = int(args.get("max_steps", 100000))
    cpu_start = time.process_time()
    start = time.perf_counter()
    times, timed_losses, interrupted = timed_loop(trainer, block, seconds, min_steps, max_steps,
                                                  label)
    losses += timed_losses
    wall = time.perf_counter() - start
    cpu_used = time.process_time() - cpu_start
    emit("progress", phase="timed_end", run=label)
    loss_values = [float(v) for v in torch.stack(losses).float().cpu().tolist()] if losses else []
    stats = step_stats(times, trainer.batch)
    stats["steps_timed"] = len(times) * block
    stats.update(
        block_steps=block,
        warmup_steps=len(warm),
        first_step_s=cold,
        compile_s=cold if trainer.compile_requested else None,
        peak_memory_bytes=_peak_memory(device),
        peak_memory_kind="cuda_max_allocated" if device.type == "cuda" else "process_max_rss",
        interrupted=interrupted,
        **loss_summary(loss_values),
        gradscaler_scale=float(trainer.scaler.get_scale()) if trainer.scaler else None,
        threads=torch.get_num_threads() if device.type == "cpu" else None,
        # Process CPU time over wall time per thread: near 1 when the threads had the cores to
        # themselves, lower when neighbours took them (bench-references.md pitfall 10).
        cpu_busy_ratio=(cpu_used / wall / torch.get_num_threads())
        if device.type == "cpu" and wall > 0 else None,
    )
    if interrupted:
        raise PartialResult(stats)
    return stats


def timed_loop(trainer: Trainer, block: int, seconds: float, min_steps: int, max_steps: int,
               label: str) -> tuple[list[float], list[torch.Tensor], bool]:
    """The timed window: blocks of ``block`` steps until ``seconds`` and ``min_steps`` (or
    ``max_steps``) are reached. Returns seconds per step of each block, the losses, and whether
    Ctrl-C cut it short. ``benchmarks/bench_overhead.py`` times this very loop against a bare one.
    """
    times: list[float] = []
    losses: list[torch.Tensor] = []
    start = time.perf_counter()
    last_report = 0.0
    try:
        while True:
            t, ls = trainer.timed_block(block)
            times.append(t)
            losses += ls
            steps = len(times) * block
            elapsed = time.perf_counter() - start
            done = steps >= max_steps or (steps >= min_steps and elapsed >= seconds)
            if done or elapsed - last_report >= 0.25:
                last_report = elapsed
                emit("progress", phase="timed", run=label, steps=steps, elapsed_s=elapsed,
                     seconds=seconds, step_time_s=t)
            if not _agree_continue(not done):
                break
    except KeyboardInterrupt:
        return times, losses, True
    return times, losses, False


class PartialResult(Exception):
    """A run cut short by Ctrl-C; carries what it measured."""

    def __init__(self, stats: dict[str, Any]) -> None:
        super().__init__("interrupted")
        self.stats = stats


def _peak_memory(device: torch.device) -> int | None:
    if device.type == "cuda":
        return int(torch.cuda.max_memory_allocated(device))
    if device.type == "cpu":
        try:
            import resource  # POSIX only
        except ImportError:
            return None
        # ru_maxrss is KiB on Linux, bytes on macOS.
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(rss if sys.platform == "darwin" else rss * 1024)
    return None


# --- correctness ---------------------------------------------------------------------------


@torch.no_grad()
def held_out(trainer: Trainer, args: Args) -> dict[str, Any]:
    """Accuracy and confusion matrix on a held-out synthetic batch (model in eval mode).

    Rows are true classes; columns are predicted classes, plus a last ``other`` column when the
    network has more outputs than the data has classes (a ResNet's 1000-way head).
    """
    classes = int(args["classes"])
    model = trainer.model
    model.eval()
    xs, ys = make_dataset(args["model"], int(args.get("eval_batch", 256)), 1, trainer.device,
                          args.get("image_size"), classes, SEED + 999, trainer.channels_last)
    with trainer.autocast():
        logits = model(xs[0])
    model.train()
    pred = logits.float().argmax(1)
    other = nets.num_outputs(args["model"]) > classes
    cols = classes + (1 if other else 0)
    pred = torch.where(pred < classes, pred, torch.full_like(pred, classes))
    matrix = torch.zeros(classes, cols, dtype=torch.long, device=pred.device)
    matrix.index_put_((ys[0], pred), torch.ones_like(pred), accumulate=True)
    rows = matrix.cpu().tolist()
    total = sum(map(sum, rows))
    correct = sum(rows[i][i] for i in range(classes))
    out: dict[str, Any] = {
        "samples": total,
        "accuracy": correct / total if total else None,
        "confusion_matrix": rows,
        "confusion_other_column": other,
    }
    out["per_class"] = bench_math.per_class(rows)
    return out


def agreement(args: Args, device: torch.device) -> dict[str, Any]:
    """Same weights and input on ``device`` and on the CPU, FP32 with TF32 off: compare.

    Logits and loss elementwise (rtol 1e-3, atol 1e-4: cross-device sums differ in order);
    gradients by cosine similarity computed in float64 (float32 can return > 1 over millions of
    entries). See bench-references.md section 7.
    """
    set_tf32(False)
    torch.manual_seed(SEED)
    cpu_model = nets.build(args["model"])
    dev_model = nets.build(args["model"])
    dev_model.load_state_dict(cpu_model.state_dict())
    dev_model.to(device)
    size = 64 if args["model"] != "mnist_cnn" else None
    xs, ys = make_dataset(args["model"], 4, 1, torch.device("cpu"), size,
                          int(args["classes"]), SEED + 7, False)
    results = []
    for model, dev in ((cpu_model, torch.device("cpu")), (dev_model, device)):
        logits = model(xs[0].to(dev))
        loss = F.cross_entropy(logits, ys[0].to(dev))
        loss.backward()
        grads = torch.cat([p.grad.detach().reshape(-1).double().cpu() for p in model.parameters()])
        results.append((logits.detach().double().cpu(), float(loss), grads))
    (l_cpu, loss_cpu, g_cpu), (l_dev, loss_dev, g_dev) = results
    logits_ok = bool(torch.allclose(l_dev, l_cpu, rtol=1e-3, atol=1e-4))
    max_abs = float((l_dev - l_cpu).abs().max())
    loss_rel = abs(loss_dev - loss_cpu) / max(abs(loss_cpu), 1e-12)
    cosine = float(torch.dot(g_cpu, g_dev) / (g_cpu.norm() * g_dev.norm()).clamp_min(1e-300))
    return {
        "compared": f"{device} vs cpu",
        "logits_max_abs_diff": max_abs,
        "logits_close": logits_ok,
        "loss_rel_diff": loss_rel,
        "loss_close": loss_rel <= 1e-3,
        "grad_cosine": cosine,
        "grad_close": cosine > 0.999,
        "ok": logits_ok and loss_rel <= 1e-3 and cosine > 0.999,
    }


# --- entry points --------------------------------------------------------------------------


def bench_train(args: Args) -> dict[str, Any]:
    """The ``train`` kind: headline run, FP32/TF32 row, CPU comparison, correctness checks."""
    device = pick_device(args["device"])
    ddp = _init_distributed(device)
    emit("progress", phase="device", device=device_info(device), versions=versions())
    precision = args.get("precision") or "auto"
    if precision == "auto":
        precision = auto_precision(device)
    if args.get("channels_last") is None:
        args["channels_last"] = device.type == "cuda" and args["model"] != "mnist_cnn"
    if not args.get("batch"):
        args["batch"] = default_batch(args["model"], device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    if args.get("threads"):
        torch.set_num_threads(int(args["threads"]))
    result: dict[str, Any] = {
        "device_info": device_info(device), "versions": versions(), "runs": [],
        "interrupted": False, "distributed": None, "notes": [],
    }
    seconds = float(args["seconds"])
    extra = args.get("extra_row", True) and device.type == "cuda" and not ddp
    extra_precision = baseline_precision(device)
    plan = [("headline", precision, device, seconds)]
    if extra and extra_precision != precision:
        plan.append(("baseline", extra_precision, device, seconds * 0.5))
    cpu_compare = args.get("cpu_compare", True) and device.type != "cpu" and not ddp
    try:
        trainer = None
        for label, prec, dev, secs in plan:
            run_args = args
            run, tr = train_run(run_args, dev, prec, secs, label, checks=True)
            result["runs"].append(run)
            if label == "headline":
                trainer = tr
                emit("progress", phase="checks", run=label)
                result["held_out"] = held_out(tr, args)
                if ddp:
                    result["distributed"] = _ddp_summary(run, device)
            else:
                del tr
            _release(device)
        del trainer
        _release(device)
        if cpu_compare:
            cpu_args = dict(args, batch=min(int(args["batch"]), int(args.get("cpu_batch", 32))),
                            channels_last=False, compile=False, min_steps=args.get("cpu_steps", 3),
                            max_steps=args.get("cpu_steps", 3), max_warmup=1, min_warmup=1)
            run, tr = train_run(cpu_args, torch.device("cpu"), "fp32",
                                float(args.get("cpu_seconds", 5.0)), "cpu", checks=False)
            result["runs"].append(run)
            del tr
        # "agreement": true forces the check on the CPU too (CPU vs CPU: a self-test).
        if (device.type != "cpu" and args.get("checks", True)) or args.get("agreement"):
            emit("progress", phase="agreement")
            result["agreement"] = agreement(args, device)
        else:
            result["agreement"] = None
            result["notes"].append("GPU-vs-CPU agreement not checked: the benchmark ran on the CPU")
    except PartialResult as partial:
        partial.stats.update(run="partial", model=args["model"], device=str(device))
        result["runs"].append(partial.stats)
        result["interrupted"] = True
    except KeyboardInterrupt:
        result["interrupted"] = True
    finally:
        _release(device)
    return result


def default_batch(model: str, device: torch.device) -> int:
    """256 images for a ResNet on a GPU (DLE's recipe), 16 on a CPU; 64 for the MNIST CNN."""
    if model == "mnist_cnn":
        return 64
    return 256 if device.type == "cuda" else 16


def _init_distributed(device: torch.device) -> bool:
    if "WORLD_SIZE" not in os.environ or int(os.environ["WORLD_SIZE"]) < 1:
        return False
    backend = bench_math.collective_backend(device.type)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    torch.distributed.init_process_group(backend)
    return True


def _ddp_summary(run: dict[str, Any], device: torch.device) -> dict[str, Any]:
    """Per-rank and aggregate images/s, the slowest rank, and an all-reduce bus bandwidth.

    Collectives on NCCL need CUDA tensors; on gloo, CPU tensors (``bench_math`` does the sums).
    """
    dist = torch.distributed
    world = dist.get_world_size()
    backend = dist.get_backend()
    dev = device if backend == "nccl" else torch.device("cpu")
    mine = torch.tensor([run["step_time_median_s"] or float("nan")], dtype=torch.float64,
                        device=dev)
    gathered = [torch.zeros_like(mine) for _ in range(world)]
    dist.all_gather(gathered, mine)
    medians = [float(t.item()) for t in gathered]
    nbytes = bench_math.ALLREDUCE_BYTES.get(backend, bench_math.ALLREDUCE_BYTES["gloo"])
    return bench_math.ddp_summary(medians, run["batch"], backend,
                                  allreduce_bandwidth(dev, nbytes))


def allreduce_bandwidth(device: torch.device, nbytes: int) -> dict[str, Any]:
    """Time a float32 all-reduce of ``nbytes`` (2 warm-up rounds, then 5 timed)."""
    dist = torch.distributed
    tensor = torch.ones(nbytes // 4, dtype=torch.float32, device=device)
    for _ in range(2):
        dist.all_reduce(tensor)
    sync(device)
    dist.barrier()
    reps = 5
    t0 = time.perf_counter()
    for _ in range(reps):
        dist.all_reduce(tensor)
    sync(device)
    elapsed = (time.perf_counter() - t0) / reps
    return bench_math.bus_bandwidth(nbytes, elapsed, dist.get_world_size())


KINDS: dict[str, Callable[[Args], dict[str, Any]]] = {
    "train": bench_train, "matmul": hardware.bench_matmul, "transfer": hardware.bench_transfer,
}


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def main(argv: list[str] | None = None) -> int:
    """Parse ``--json-args``, run the work, print the result line; exit 0 (or 1 on error)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json-args", required=True)
    ns = parser.parse_args(argv)
    args: Args = json.loads(ns.json_args)
    kind = args.get("kind", "train")
    try:
        with _quiet():
            payload = KINDS[kind](args)
    except RuntimeError as exc:
        code, _, message = str(exc).partition(": ")
        if not message or " " in code:
            code, message = "runtime_error", str(exc)
        emit("error", code=code, message=message[:2000])
        return 1
    finally:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            with contextlib.suppress(Exception):
                torch.distributed.destroy_process_group()
    emit("result", kind=kind, **payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
