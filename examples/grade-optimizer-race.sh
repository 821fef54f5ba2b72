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
# The expected values, once per grading run: one run per optimizer (several --get paths each),
# the Hessian at the minimum, Adam's comparison (its CSV) and the preset's run.
compute_expected() {
    reached=
    for o in $OPTIMIZERS; do
        gdsim_run descend "$F" --start "$START" -o "$o" --lr 0.001 --max-steps 5000 \
            --get result.steps,result.point.x,result.point.y,result.value
        put "status_$o" "$(status_of "$rc")"
        [ "$rc" -eq 0 ] && reached="$reached $o"
        put "steps_$o" "$(line 1)"
        put "x_$o" "$(line 2)"
        put "y_$o" "$(line 3)"
        put "f_$o" "$(line 4)"
        echo "$o $(line 2) $(line 3)" >>"$WORK/ends"
    done
    put reached "${reached:-none}"
    put barely_moved "$(awk -v start="$START" '
        BEGIN { split(start, p, /[=,]/); x0 = p[2]; y0 = p[4] }
        { d = ($2 - x0) ^ 2 + ($3 - y0) ^ 2; if (best == "" || d < dmin) { best = $1; dmin = d } }
        END { print best }' "$WORK/ends")"
    gdsim_get derive "$F" --at x=1,y=1 --hessian --get max_stable_lr
    put gd_lr_limit "$value"
    run_csv "$WORK/adam.csv" descend "$F" --start "$START" -o adam --lr "$(echo "$ADAM_RATES" | tr ' ' ,)" \
        --max-steps 5000 --every 100000
    run=0
    for lr in $ADAM_RATES; do
        csv_value "$WORK/adam.csv" step "$run"
        put "adam_steps_$lr" "$value"
        run=$((run + 1))
    done
    gdsim_run descend --preset rosenbrock --get result.steps
    put preset_steps "$value"
}
expected_values

for o in $OPTIMIZERS; do
    check_word "status_$o" "$(want "status_$o")"
    check_num "steps_$o" "$(want "steps_$o")" 0
    check_num "x_$o" "$(want "x_$o")" 1e-3
    check_num "y_$o" "$(want "y_$o")" 1e-3
    check_num "f_$o" "$(want "f_$o")" 1e-5
done
check_set reached "$(want reached)"
check_word barely_moved "$(want barely_moved)"
check_num gd_lr_limit "$(want gd_lr_limit)" 1e-5
for lr in $ADAM_RATES; do
    check_num "adam_steps_$lr" "$(want "adam_steps_$lr")" 0
done
check_num preset_steps "$(want preset_steps)" 0

finish
