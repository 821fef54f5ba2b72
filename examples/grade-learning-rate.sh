#!/bin/sh
# Grade an answer to the lab "learning-rate" (gdsim lab show learning-rate):
#     sh examples/grade-learning-rate.sh answers.txt
#
# The answer file has one `key = value` line per answer; blank lines and lines starting with #
# are ignored. Numbers must be within 1e-3 of gdsim's (relative above 1, so x = 1.198e8 is
# fine); words are compared ignoring case. For each learning rate L of 0.001, 0.1, 0.5, 0.9,
# 1.0 and 1.1 (runs of gradient descent on x^2 from x = 3):
#
#   status_L         converged, max_steps or diverged
#   exit_L           gdsim's exit code
#   steps_L          the number of steps (updates)
#   x_L              the last x
#   path_L           one-side (x keeps its sign) or alternates (x jumps from side to side)
#
# and once:
#
#   converge_below   the range of learning rates that converge is 0 < lr < this number
#   max_stable_lr    the largest stable rate 2/f'' that gdsim derive --hessian reports
#
# Output: one line per check ("KEY: ok" or "KEY: WRONG: expected X, got Y"), then "score: N/M".
# Exit code: 0 all correct, 1 something wrong, 2 malformed answer file, 3 gdsim failed.

# shellcheck disable=SC2086 # lists such as $keys are split into words on purpose
. "$(dirname "$0")/grade-lib.sh"

F="x^2"
TOL=1e-3
RATES="0.001 0.1 0.5 0.9 1.0 1.1"

keys="converge_below max_stable_lr"
for lr in $RATES; do keys="$keys status_$lr exit_$lr steps_$lr x_$lr path_$lr"; done
[ $# -eq 1 ] || die_malformed "usage: $0 ANSWER_FILE"
read_answers "$1" $keys

# The expected values, once per grading run: one run per learning rate (its CSV shows whether
# the walk alternates), and the largest stable rate from derive --hessian.
compute_expected() {
    for lr in $RATES; do
        run_csv "$WORK/lr$lr.csv" descend "$F" --start 3 --lr "$lr"
        put "status_$lr" "$(status_of "$rc")"
        put "exit_$lr" "$rc"
        csv_value "$WORK/lr$lr.csv" step
        put "steps_$lr" "$value"
        csv_value "$WORK/lr$lr.csv" x
        put "x_$lr" "$value"
        # The walk alternates when some x has the sign opposite to the start's.
        put "path_$lr" "$(awk -F, '
            NR == 1 { for (i = 1; i <= NF; i++) if ($i == "x") c = i; next }
            NR == 2 { start = $c }
            $c * start < 0 { flips = 1 }
            END { print flips ? "alternates" : "one-side" }' "$WORK/lr$lr.csv")"
    done
    gdsim_get derive "$F" --at x=3 --hessian --get max_stable_lr
    put max_stable_lr "$value"
}
expected_values

for lr in $RATES; do
    check_word "status_$lr" "$(want "status_$lr")"
    check_num "exit_$lr" "$(want "exit_$lr")" 0
    check_num "steps_$lr" "$(want "steps_$lr")" 0
    check_num "x_$lr" "$(want "x_$lr")" "$TOL"
    check_word "path_$lr" "$(want "path_$lr")"
done
check_num converge_below "$(want max_stable_lr)" "$TOL"
check_num max_stable_lr "$(want max_stable_lr)" "$TOL"

finish
