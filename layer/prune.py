"""Remove what the Lambda layer never uses from the third-party packages, so the layer fits Lambda's
250 MB unzipped limit. (lockgate itself is selected, not pruned: runtime_modules.py copies only the
modules the handlers import.)

- botocore/boto3/s3transfer: the python3.13 Lambda runtime ships them (aws-xray-sdk pulls botocore in).
- pyarrow's Flight RPC, S3/GCS/Azure/HDFS filesystems, ORC, CUDA, Gandiva and C++ headers: Lockgate
  reads bytes through boto3 and uses only CSV, Parquet, compute and dataset.
- caches (pip's timestamp-checked bytecode: layer/Makefile compiles it again, hash-checked, so it
  stays valid whatever mtimes the zip gives the sources), Cython sources and test suites everywhere.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
PYARROW_UNUSED = (
    "include",
    "tests",
    "libarrow_flight.so*",
    "libarrow_python_flight.so*",
    "_flight*",
    "flight.py",
    "libarrow_s3.so*",
    "_s3fs*",
    "_gcsfs*",
    "_azurefs*",
    "_hdfs*",
    "_orc*",
    "_dataset_orc*",
    "orc.py",
    "_cuda*",
    "cuda.py",
    "gandiva*",
    "*.pyx",
    "*.pxd",
    "*.pxi",
    "libarrow_python.so",
    "libarrow_python.so.*.*.*",
)
EVERYWHERE = ("__pycache__", "*.pyi")


def prune(root: Path) -> int:
    """Delete the unused files under `root` (the layer's python/); returns bytes freed."""
    doomed: list[Path] = []
    for name in RUNTIME_PROVIDED:
        doomed += [root / name, *root.glob(f"{name}-*.dist-info")]
    for pattern in PYARROW_UNUSED:
        doomed += (root / "pyarrow").glob(pattern)
    doomed += (root / "numpy").glob("**/tests")
    for pattern in EVERYWHERE:
        doomed += root.rglob(pattern)
    freed = 0
    for path in doomed:
        if not path.exists():
            continue
        if path.is_dir():
            freed += sum(item.stat().st_size for item in path.rglob("*") if item.is_file())
            shutil.rmtree(path)
        else:
            freed += path.stat().st_size
            path.unlink()
    return freed


if __name__ == "__main__":
    target = Path(sys.argv[1])
    freed = prune(target)
    total = sum(item.stat().st_size for item in target.rglob("*") if item.is_file())
    print(f"pruned {freed / 1e6:.1f} MB; layer is {total / 1e6:.1f} MB unzipped")
