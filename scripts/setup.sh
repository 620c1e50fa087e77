#!/usr/bin/env bash
# Create (or refresh) the virtual environment of one stack and install tda-nn into it.
#   scripts/setup.sh            -> .venv         default stack: numpy 2, current scikit-learn
#   scripts/setup.sh giotto     -> .venv-giotto  giotto-tda 0.6.2 stack: scikit-learn 1.3.2, numpy < 2
# torch is installed first at an exact CPU-build version (TDA_NN_TORCH, default 2.13.0) so that the
# package's own range (torch>=2.1) is already satisfied and pip never pulls a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${1:-default}"
case "$stack" in
  default) venv=.venv; extras="dev,text" ;;
  giotto)  venv=.venv-giotto; extras="dev,text,giotto" ;;
  *) echo "setup.sh: unknown stack '$stack' (expected: default or giotto)" >&2; exit 2 ;;
esac
python="${PYTHON:-python3}"
stamp="$venv/.tda-nn-installed"
want="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" "torch==${TDA_NN_TORCH:-2.13.0}"
"${pip[@]}" -e ".[$extras]"
echo "$want" > "$stamp"
echo "tda-nn set up in $venv ($stack stack)"
