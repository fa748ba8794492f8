#!/usr/bin/env bash
# Retakes the README's and docs/web.md's pictures of the browser view (docs/web.png, docs/web-start.png,
# docs/web-your-kernel.png, docs/web-maze.png) by running the browser tests that take them with VMLAB_SCREENSHOTS
# set to docs/. Without that variable no test writes into the repository. Needs /usr/bin/chromium
# (scripts/install-test-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
VMLAB_SCREENSHOTS="$PWD/docs" dotnet test tests/VmLab.Web.Tests --filter \
  "FullyQualifiedName~Fork_with_cow_the_childs_first_write|FullyQualifiedName~The_start_screen_lists|FullyQualifiedName~A_students_wrong_fork|FullyQualifiedName~The_maze_is_a_directed_graph"
ls -l docs/web*.png
