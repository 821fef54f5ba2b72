#!/bin/sh
# Grade an answer to the lab "optimizer-race" (gdsim lab show optimizer-race):
#     sh examples/grade-optimizer-race.sh answers.txt
#
# The answer file has one `key = value` line per answer; blank lines and lines starting with #
# are ignored. Words and lists are compared ignoring case (lists in any order). For each
# optimizer O of gd, momentum, nesterov, adagrad, rmsprop and adam (lr 0.001, at most 5000
# steps, from (-1.2, 1) on Rosenbrock's function):
#
#   status_O         converged, max_steps or diverged
#   steps_O          the number of steps (updates)
#   x_O, y_O         the final point (within 1e-3, relative above 1)
#   f_O              f at the final point (within 1e-5)
#
# and:
#
#   reached          the optimizers that converged, e.g. "gd, adam" (or none)
#   barely_moved     the optimizer that ended nearest to the start
#   gd_lr_limit      2/lambda_max at (1, 1), the largest stable rate for plain GD (within 1e-5)
#   adam_steps_L     steps of Adam with lr L = 0.01, 0.05 and 0.1 (at most 5000)
#   preset_steps     steps of `gdsim descend --preset rosenbrock`
#
# Output: one line per check ("KEY: ok" or "KEY: WRONG: expected X, got Y"), then "score: N/M".
# Exit code: 0 all correct, 1 something wrong, 2 malformed answer file, 3 gdsim failed.

# shellcheck disable=SC2086 # lists such as $keys are split into words on purpose
. "$(dirname "$0")/grade-lib.sh"

F="(1-x)^2 + 100(y-x^2)^2"
START="x=-1.2,y=1"
OPTIMIZERS="gd momentum nesterov adagrad rmsprop adam"
ADAM_RATES="0.01 0.05 0.1"

keys="reached barely_moved gd_lr_limit preset_steps"
for o in $OPTIMIZERS; do keys="$keys status_$o steps_$o x_$o y_$o f_$o"; done
for lr in $ADAM_RATES; do keys="$keys adam_steps_$lr"; done
[ $# -eq 1 ] || die_malformed "usage: $0 ANSWER_FILE"
read_answers "$1" $keys

# One run per optimizer, so that its exit code gives its status; --every keeps only the
# first and the last row of the CSV.
reached=
for o in $OPTIMIZERS; do
    run_csv "$WORK/$o.csv" descend "$F" --start "$START" -o "$o" --lr 0.001 --max-steps 5000 --every 100000
    check_word "status_$o" "$(status_of "$rc")"
    [ "$rc" -eq 0 ] && reached="$reached $o"
    csv_value "$WORK/$o.csv" step
    check_num "steps_$o" "$value" 0
    csv_value "$WORK/$o.csv" x
    x=$value
    check_num "x_$o" "$x" 1e-3
    csv_value "$WORK/$o.csv" y
    y=$value
    check_num "y_$o" "$y" 1e-3
    csv_value "$WORK/$o.csv" value
    check_num "f_$o" "$value" 1e-5
    echo "$o $x $y" >>"$WORK/ends"
done
check_set reached "${reached:-none}"

nearest=$(awk -v start="$START" '
    BEGIN { split(start, p, /[=,]/); x0 = p[2]; y0 = p[4] }
    { d = ($2 - x0) ^ 2 + ($3 - y0) ^ 2; if (best == "" || d < dmin) { best = $1; dmin = d } }
    END { print best }' "$WORK/ends")
check_word barely_moved "$nearest"

gdsim_get derive "$F" --at x=1,y=1 --hessian --get max_stable_lr
check_num gd_lr_limit "$value" 1e-5

# Adam against itself: one comparison, one CSV row block per learning rate (run 0, 1, 2).
run_csv "$WORK/adam.csv" descend "$F" --start "$START" -o adam --lr "$(echo "$ADAM_RATES" | tr ' ' ,)" \
    --max-steps 5000 --every 100000
run=0
for lr in $ADAM_RATES; do
    csv_value "$WORK/adam.csv" step "$run"
    check_num "adam_steps_$lr" "$value" 0
    run=$((run + 1))
done

run_csv "$WORK/preset.csv" descend --preset rosenbrock --every 100000
csv_value "$WORK/preset.csv" step
check_num preset_steps "$value" 0

finish
