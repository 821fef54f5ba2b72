#!/bin/sh
# Grade a folder of answer files for one lab into a CSV of scores:
#     sh examples/grade-all.sh slope-sign answers/ > scores.csv
#
# One row per file (every regular file in the folder, in name order):
#     file,score,total,wrong,problem
#     kim.txt,24,25,step_2,
#     lee.txt,,,,"line 3: unknown key ""slope2"""
# `wrong` lists the keys graded WRONG (space-separated); `problem` says why a file could not be
# graded (a malformed answer file: score and total are then empty). The lab's expected values
# are computed once for the whole folder (GRADE_EXPECTED, see grade-lib.sh); after that each
# file costs one gdsim call per formula it contains.
#
# Exit code: 0 the folder was graded (whatever the scores), 2 bad arguments, 3 gdsim could not
# compute the expected values.

[ $# -eq 2 ] || { printf 'usage: %s LAB FOLDER\n' "$0" >&2; exit 2; }
lab=$1
folder=$2
script="$(dirname "$0")/grade-$lab.sh"
[ -f "$script" ] || { printf 'no grading script %s (one per lab: gdsim lab list)\n' "$script" >&2; exit 2; }
[ -d "$folder" ] || { printf 'no folder %s\n' "$folder" >&2; exit 2; }
LC_ALL=C
export LC_ALL

work="${TMPDIR:-/tmp}/grade-all.$$"
(umask 077 && mkdir "$work") || { printf 'cannot create %s\n' "$work" >&2; exit 3; }
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP
GRADE_EXPECTED="$work/expected"
export GRADE_EXPECTED

# cell TEXT: one CSV field, quoted when it holds a comma, a quote or a space at an end.
cell() {
    case $1 in
        *[,\"]* | " "* | *" ") printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')" ;;
        *) printf '%s' "$1" ;;
    esac
}

# Files are graded GRADE_JOBS at a time (default 2); the first one alone, since it computes the
# expected values that the others then read.
for file in "$folder"/*; do
    [ -f "$file" ] && printf '%s\n' "$file"
done >"$work/list"
count=$(awk 'END { print NR }' "$work/list")
GRADE_SCRIPT=$script GRADE_WORK=$work
export GRADE_SCRIPT GRADE_WORK
one='sh "$GRADE_SCRIPT" "$(sed -n "$1p" "$GRADE_WORK/list")" >"$GRADE_WORK/$1.out" 2>"$GRADE_WORK/$1.err"; echo $? >"$GRADE_WORK/$1.rc"'
if [ "$count" -gt 0 ]; then
    sh -c "$one" sh 1
    awk -v n="$count" 'BEGIN { for (i = 2; i <= n; i++) print i }' | xargs -n 1 -P "${GRADE_JOBS:-2}" sh -c "$one" sh
fi

echo "file,score,total,wrong,problem"
i=0
while IFS= read -r file; do
    i=$((i + 1))
    rc=$(cat "$work/$i.rc" 2>/dev/null || echo 3)
    score= total= wrong= problem=
    case $rc in
        0 | 1)
            score=$(sed -n 's/^score: \([0-9]*\)\/[0-9]*$/\1/p' "$work/$i.out")
            total=$(sed -n 's/^score: [0-9]*\/\([0-9]*\)$/\1/p' "$work/$i.out")
            wrong=$(sed -n 's/^\([^:]*\): WRONG: .*/\1/p' "$work/$i.out" | paste -s -d ' ' -)
            ;;
        2) problem=$(head -n 1 "$work/$i.err" | sed "s|^malformed answer file: $file: ||") ;;
        *)
            cat "$work/$i.err" >&2
            exit 3
            ;;
    esac
    printf '%s,%s,%s,%s,%s\n' "$(cell "$(basename "$file")")" "$score" "$total" "$(cell "$wrong")" "$(cell "$problem")"
done <"$work/list"
