"""Runs INSIDE the inspected interpreter and prints one JSON object describing its environment.

envcheck feeds this file's source to the target interpreter on stdin (``python -``), so it must
use only the standard library and run on every Python from 3.6 to the newest. Its syntax also
parses on Python 2.7, so an interpreter that is too old can still say which version it is.
Nothing here imports the packages it describes: distributions are found by scanning
``*.dist-info``/``*.egg-info`` folders on ``sys.path`` (``importlib.metadata`` does not exist on
3.6), and ``torch/version.py`` is read as text.

The JSON object is printed between two marker lines because a user's ``sitecustomize`` or a
``.pth`` file may print to stdout before this script runs.
"""

import json
import os
import re
import sys

BEGIN = "@@envcheck-target-begin@@"
END = "@@envcheck-target-end@@"
SCHEMA = 1
MIN_VERSION = (3, 6)

# conda packages worth reporting (name, or name prefix when it ends with "-").
CONDA_NAMES = (
    "pytorch", "pytorch-cuda", "cudatoolkit", "cpuonly", "pytorch-mutex", "cudnn",
    "torchvision", "torchaudio", "cuda-",
)
TORCH_VERSION_NAMES = ("__version__", "cuda", "hip", "git_version")
METADATA_LIMIT = 64 * 1024


def emit(payload):
    text = json.dumps(payload, sort_keys=True)
    sys.stdout.write("\n" + BEGIN + text + END + "\n")
    sys.stdout.flush()


def describe(exc):
    message = str(exc).strip().splitlines()
    return type(exc).__name__ + (": " + message[0] if message else "")


def guarded(errors, label, fn, default=None):
    """Run one section; record its failure instead of losing the whole report."""
    try:
        return fn()
    except Exception as exc:  # one broken section must not hide the others
        errors[label] = describe(exc)
        return default


def interpreter():
    import platform
    import struct
    import sysconfig

    return {
        "executable": sys.executable,
        "version": "%d.%d.%d" % tuple(sys.version_info[:3]),
        "version_info": list(sys.version_info[:3]),
        "bits": struct.calcsize("P") * 8,
        "implementation": platform.python_implementation(),
        "platform_tag": sysconfig.get_platform(),
        "prefix": sys.prefix,
        "base_prefix": getattr(sys, "base_prefix", sys.prefix),
        "real_prefix": getattr(sys, "real_prefix", None),
        "exec_realpath": os.path.realpath(sys.executable) if sys.executable else None,
        "path": list(sys.path),
        "cwd": os.getcwd(),
    }


def user_site():
    import site

    enabled = getattr(site, "ENABLE_USER_SITE", None)
    if hasattr(site, "getusersitepackages"):
        path = site.getusersitepackages()
    else:
        path = getattr(site, "USER_SITE", None)
    return {"enable_user_site": enabled, "user_site": path}


def environment_variables():
    names = (
        "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "CONDA_EXE", "CONDA_PYTHON_EXE", "_CONDA_ROOT",
        "VIRTUAL_ENV", "PYENV_ROOT", "PYENV_VERSION", "PYTHONPATH", "PYTHONHOME",
        "PYTHONNOUSERSITE",
    )
    return dict((name, os.environ.get(name)) for name in names)


def read_text(path, limit=None):
    handle = open(path, "rb")
    try:
        data = handle.read() if limit is None else handle.read(limit)
    finally:
        handle.close()
    return data.decode("utf-8", "replace")


def pyvenv_cfg(prefix):
    path = os.path.join(prefix, "pyvenv.cfg")
    if not os.path.isfile(path):
        return None
    values = {}
    for line in read_text(path).splitlines():
        if "=" in line:
            key, _, value = line.partition("=")
            values[key.strip().lower()] = value.strip()
    return values


def conda_markers(prefix):
    parent = os.path.dirname(os.path.normpath(prefix))
    return {
        "meta_dir": os.path.isdir(os.path.join(prefix, "conda-meta")),
        "has_condabin": os.path.isdir(os.path.join(prefix, "condabin")),
        # <base>/envs/<name>: the usual place of a named conda environment.
        "in_envs_dir": os.path.basename(parent) == "envs"
        and os.path.isdir(os.path.join(os.path.dirname(parent), "conda-meta")),
        "envs_base": os.path.dirname(parent) if os.path.basename(parent) == "envs" else None,
    }


def metadata_headers(path):
    """Name and Version from the header block of a METADATA or PKG-INFO file."""
    found = {}
    for line in read_text(path, METADATA_LIMIT).splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key in ("name", "version") and key not in found:
            found[key] = value.strip()
    return found


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def distribution(folder, full, location, index):
    """One distribution from a .dist-info/.egg-info folder (or an egg-info file)."""
    if full.endswith(".dist-info"):
        meta = os.path.join(full, "METADATA")
    elif os.path.isdir(full):
        meta = os.path.join(full, "PKG-INFO")
    else:
        meta = full
    headers = {}
    error = None
    try:
        headers = metadata_headers(meta)
    except (IOError, OSError) as exc:
        error = describe(exc)
    stem = folder.rsplit(".", 1)[0]
    parts = stem.split("-")
    name = headers.get("name") or parts[0]
    version = headers.get("version") or (parts[1] if len(parts) > 1 else None)
    installer = None
    installer_path = os.path.join(full, "INSTALLER")
    if os.path.isfile(installer_path):
        try:
            installer = read_text(installer_path, 200).strip() or None
        except (IOError, OSError):
            installer = None
    record = {
        "name": name,
        "key": normalise(name),
        "version": version,
        "location": location,
        "path_index": index,
        "installer": installer,
        "metadata_dir": full,
    }
    if error:
        record["error"] = error
    return record


def path_entries():
    """sys.path entries as absolute folders, first occurrence only, in import order."""
    seen = set()
    for index, entry in enumerate(sys.path):
        folder = os.path.abspath(entry or os.curdir)
        if folder in seen:
            continue
        seen.add(folder)
        yield index, folder


def distributions():
    found = []
    for index, folder in path_entries():
        if not os.path.isdir(folder):
            continue
        egg_info = os.path.join(folder, "EGG-INFO")
        if folder.endswith(".egg") and os.path.isdir(egg_info):
            found.append(distribution(os.path.basename(folder), egg_info, folder, index))
            continue
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") or name.endswith(".egg-info"):
                found.append(distribution(name, os.path.join(folder, name), folder, index))
    return found


def literal_assignments(text, names):
    """Top-level ``name = <literal>`` (or ``name: T = <literal>``) values, without importing."""
    import ast

    values = {}
    pattern = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]*)?=\s*(.+?)\s*$")
    for line in text.splitlines():
        match = pattern.match(line)
        if match and match.group(1) in names and match.group(1) not in values:
            try:
                values[match.group(1)] = ast.literal_eval(match.group(2))
            except (ValueError, SyntaxError):
                continue
    return values


def torch_package():
    """Where ``import torch`` would load from (first sys.path entry holding torch/), and its
    version.py values read as text."""
    for index, folder in path_entries():
        package = os.path.join(folder, "torch")
        if os.path.isfile(os.path.join(package, "__init__.py")):
            info = {"location": folder, "package_dir": package, "path_index": index}
            version_py = os.path.join(package, "version.py")
            if os.path.isfile(version_py):
                try:
                    values = literal_assignments(read_text(version_py), TORCH_VERSION_NAMES)
                    info["version_py"] = dict(
                        (name, values.get(name)) for name in TORCH_VERSION_NAMES
                    )
                except (IOError, OSError) as exc:
                    info["version_py_error"] = describe(exc)
            else:
                info["version_py_error"] = "torch/version.py does not exist"
            return info
    return None


def conda_wanted(name):
    for wanted in CONDA_NAMES:
        if name == wanted or (wanted.endswith("-") and name.startswith(wanted)):
            return True
    return False


def conda_packages(prefix):
    meta = os.path.join(prefix, "conda-meta")
    if not os.path.isdir(meta):
        return None
    records = []
    for filename in sorted(os.listdir(meta)):
        if not filename.endswith(".json"):
            continue
        parts = filename[: -len(".json")].rsplit("-", 2)
        if len(parts) != 3 or not conda_wanted(parts[0]):
            continue
        record = {"name": parts[0], "version": parts[1], "build": parts[2], "channel": None}
        try:
            data = json.loads(read_text(os.path.join(meta, filename)))
            record["name"] = data.get("name") or record["name"]
            record["version"] = data.get("version") or record["version"]
            record["build"] = data.get("build") or record["build"]
            record["channel"] = data.get("channel") or data.get("schannel")
        except (IOError, OSError, ValueError) as exc:
            record["error"] = describe(exc)
        records.append(record)
    return records


def main():
    if sys.version_info[:2] < MIN_VERSION:
        emit({
            "schema": SCHEMA,
            "too_old": True,
            "executable": sys.executable,
            "version": "%d.%d.%d" % tuple(sys.version_info[:3]),
        })
        return
    errors = {}
    result = {"schema": SCHEMA, "too_old": False, "errors": errors}
    result.update(guarded(errors, "interpreter", interpreter, {}))
    result.update(guarded(errors, "user_site", user_site, {}))
    prefix = sys.prefix
    result["env"] = guarded(errors, "env", environment_variables, {})
    result["pyvenv_cfg"] = guarded(errors, "pyvenv_cfg", lambda: pyvenv_cfg(prefix))
    result["conda"] = guarded(errors, "conda", lambda: conda_markers(prefix), {})
    result["conda_packages"] = guarded(errors, "conda_packages", lambda: conda_packages(prefix))
    result["distributions"] = guarded(errors, "distributions", distributions, [])
    result["torch"] = guarded(errors, "torch", torch_package)
    emit(result)


if __name__ == "__main__":  # run as ``python -``; tests import the helpers
    main()
