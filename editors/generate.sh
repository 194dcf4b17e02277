#!/bin/sh
# Regenerates the editor grammars' keyword lists from the primitive table:
#   editors/vscode/syntaxes/physl.tmLanguage.json   (VS Code, TextMate grammar)
#   editors/vim/syntax/physl.vim                    (vim)
# The lists come from `physl --docs-json`; everything else of both files is written here.
# Usage: editors/generate.sh [PATH_TO_PHYSL]   (default: target/release/physl, built if missing)
# tests/editors.rs fails when the checked-in files differ from the table.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
physl=${1:-$root/target/release/physl}
if [ ! -x "$physl" ]; then
    (cd "$root" && cargo build --release --bin physl)
fi
"$physl" --docs-json | python3 "$here/generate.py" "$here"
