"""The committed board_pb2.py/.pyi must be what protoc makes of board.proto today."""

import shutil
import subprocess
import sys
from pathlib import Path

PROTOCOL = Path(__file__).resolve().parents[2] / "protocol"


def test_generated_code_matches_schema(tmp_path: Path) -> None:
    shutil.copy(PROTOCOL / "board.proto", tmp_path / "board.proto")
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", f"-I{tmp_path}",
         f"--python_out={tmp_path}", f"--pyi_out={tmp_path}", str(tmp_path / "board.proto")],
        check=True,
    )
    for name in ("board_pb2.py", "board_pb2.pyi"):
        fresh = (tmp_path / name).read_text()
        committed = (PROTOCOL / name).read_text()
        assert fresh == committed, f"{name} is stale: regenerate it from board.proto (see README)"
