#!/bin/sh
# Grade an answer to the lab "practice" (gdsim lab show practice):
#     sh examples/grade-practice.sh answers.txt
#
# The answer file has one `key = value` line per answer; blank lines and lines starting with #
# are ignored. The keys, for K = 0, 1, 2:
#
#   dfdx_K, dfdy_K   the slopes df/dx and df/dy at the point of step K
#   x_K+1, y_K+1     the next point (x_1, y_1 after step 0, and so on)
#
# The script does no arithmetic of its own: it pipes the answers, in the order the questions
# come, into `gdsim practice ... --format json` (one number per line, as a student would type
# them) and reads each verdict and the score (`--get score.correct`) from gdsim. A number is
# right within a relative 1e-3 (1e-6 near 0); 12/7 style fractions are fine.
#
# Output: one line per check ("KEY: ok" or "KEY: WRONG: expected X, got Y"), then "score: N/M".
# Exit code: 0 all correct, 1 something wrong, 2 malformed answer file, 3 gdsim failed.

# shellcheck disable=SC2086 # lists such as $keys are split into words on purpose
. "$(dirname "$0")/grade-lib.sh"

F="x^2 + 3y^2"
START="x=2,y=1"
LR=0.1
STEPS=2  # the last step K; gdsim practice takes K + 1 steps

# The keys in the order gdsim practice asks: at each step the slopes, then the next point.
keys=""
k=0
while [ "$k" -le "$STEPS" ]; do
    keys="$keys dfdx_$k dfdy_$k x_$((k + 1)) y_$((k + 1))"
    k=$((k + 1))
done
[ $# -eq 1 ] || die_malformed "usage: $0 ANSWER_FILE"
read_answers "$1" $keys

# One answer per line. A missing answer is a blank line (practice counts it as not answered, and
# the lines after it keep their places); so is a value gdsim practice would read as a command
# (q, ?, a comment), so that a student's "?" cannot end or shift the grading.
: >"$WORK/typed.txt"
for key in $keys; do
    got=$(answer "$key")
    case $(lower "$got") in
        q | quit | exit | '?' | h | hint | ㅂ | ㅗ | '#'*) got="" ;;
    esac
    printf '%s\n' "$got" >>"$WORK/typed.txt"
done

# Every verdict in one run: the score, then the expected value and the verdict of each question.
paths="score.correct,score.asked"
i=0
for key in $keys; do
    paths="$paths,questions.$i.expected,questions.$i.correct"
    i=$((i + 1))
done
$GDSIM practice "$F" --start "$START" --lr "$LR" --steps $((STEPS + 1)) --format json --get "$paths" \
    <"$WORK/typed.txt" >"$WORK/verdicts.txt" 2>"$WORK/practice.err" ||
    die_gdsim "$GDSIM practice \"$F\" (exit $?): $(grep '^error' "$WORK/practice.err" | head -n 1)"

score=$(sed -n 1p "$WORK/verdicts.txt")
asked=$(sed -n 2p "$WORK/verdicts.txt")
[ "$asked" = "$i" ] || die_gdsim "gdsim practice asked $asked questions, the lab has $i"
line=3
for key in $keys; do
    expected=$(g6 "$(sed -n "${line}p" "$WORK/verdicts.txt")")
    verdict=$(sed -n "$((line + 1))p" "$WORK/verdicts.txt")
    if [ "$verdict" = true ]; then ok "$key"; else wrong "$key" "$expected" "$(answer "$key")"; fi
    line=$((line + 2))
done
[ "$passed" -eq "$score" ] || die_gdsim "score.correct is $score but $passed verdicts are true"

finish
