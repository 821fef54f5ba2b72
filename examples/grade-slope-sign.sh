#!/bin/sh
# Grade an answer to the lab "slope-sign" (gdsim lab show slope-sign):
#     sh examples/grade-slope-sign.sh answers.txt
#
# The answer file has one `key = value` line per answer; blank lines and lines starting with #
# are ignored. Numbers must be within 1e-6 of gdsim's (relative above 1; 12/7 style fractions
# are fine); words are compared ignoring case. The keys:
#
#   derivative     f'(x) as a formula, e.g. 3x^2 - 3 (gdsim evaluates it and its slope at x = 2)
#   slope_K        f'(K) for K = 2, -0.5, 1, -1, and for the neighbours 0.9, 1.1, -1.1, -0.9
#   sign_K         for K = 2, -0.5, 1, -1: positive, negative or zero
#   step_K         for K = 2, -0.5, 1, -1: the way the hiker steps: -x, +x or none
#   kind_1         x = 1 is a valley bottom or a hilltop: bottom or top
#   kind_-1        the same for x = -1
#   stop_x_from_2  where gradient descent from x = 2 with lr 0.1 stops
#   steps_from_2   its number of steps (updates)
#   status_from_2  its status: converged, max_steps or diverged
#   stop_x_from_-1, steps_from_-1, status_from_-1   the same for the run from x = -1
#
# Output: one line per check ("KEY: ok" or "KEY: WRONG: expected X, got Y"), then "score: N/M".
# Exit code: 0 all correct, 1 something wrong, 2 malformed answer file, 3 gdsim failed.

# shellcheck disable=SC2086 # lists such as $keys are split into words on purpose
. "$(dirname "$0")/grade-lib.sh"

F="x^3 - 3x"
TOL=1e-6
POINTS="2 -0.5 1 -1"
NEIGHBOURS="0.9 1.1 -1.1 -0.9"

keys="derivative kind_1 kind_-1"
for k in $POINTS; do keys="$keys slope_$k sign_$k step_$k"; done
for k in $NEIGHBOURS; do keys="$keys slope_$k"; done
for s in 2 -1; do keys="$keys stop_x_from_$s steps_from_$s status_from_$s"; done
[ $# -eq 1 ] || die_malformed "usage: $0 ANSWER_FILE"
read_answers "$1" $keys

# The expected values, once per grading run. f'(K) at all eight points comes from one call: in
# vector mode the K-th partial derivative of sum(f(x)) is f'(x_K). f''(2) (for the formula check)
# from one more, and each descent's end, steps and exit code from one call each.
compute_expected() {
    at=$(echo $POINTS $NEIGHBOURS | tr ' ' ,)
    set -- $POINTS $NEIGHBOURS
    n=$#
    paths=$(i=0; while [ "$i" -lt "$n" ]; do printf 'gradient_value.%s,' "$i"; i=$((i + 1)); done)
    gdsim_get derive "sum($F)" --dim "$n" --at "$at" --get "${paths%,}"
    i=1
    for k in $POINTS $NEIGHBOURS; do
        put "slope_$k" "$(line $i)"
        i=$((i + 1))
    done
    gdsim_get derive "$F" --at x=2 --hessian --get hessian_value.0.0
    put curvature_2 "$value"
    for s in 2 -1; do
        gdsim_run descend "$F" --start "x=$s" --lr 0.1 --get result.point.x,result.steps
        put "stop_x_from_$s" "$(line 1)"
        put "steps_from_$s" "$(line 2)"
        put "status_from_$s" "$(status_of "$rc")"
    done
}
expected_values

# The formula: its value and slope at x = 2 must be f'(2) and f''(2).
check_formula derivative "$TOL" x=2 value,gradient_value.x "$(want slope_2)" "$(want curvature_2)"

for k in $POINTS; do
    s=$(want "slope_$k")
    check_num "slope_$k" "$s" "$TOL"
    check_word "sign_$k" "$(sign_of "$s")"
    check_word "step_$k" "$(downhill_of "$s" x)"
done
for k in $NEIGHBOURS; do
    check_num "slope_$k" "$(want "slope_$k")" "$TOL"
done

# A flat point is a bottom when f' goes from negative to positive across it, a top when it
# goes from positive to negative.
kind() {
    case "$(sign_of "$1") $(sign_of "$2")" in
        "negative positive") echo bottom ;;
        "positive negative") echo top ;;
        *) echo neither ;;
    esac
}
check_word kind_1 "$(kind "$(want slope_0.9)" "$(want slope_1.1)")"
check_word kind_-1 "$(kind "$(want slope_-1.1)" "$(want slope_-0.9)")"

for s in 2 -1; do
    check_num "stop_x_from_$s" "$(want "stop_x_from_$s")" "$TOL"
    check_num "steps_from_$s" "$(want "steps_from_$s")" 0
    check_word "status_from_$s" "$(want "status_from_$s")"
done

finish
