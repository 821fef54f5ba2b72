#!/bin/sh
# Grade an answer to the lab "partials" (gdsim lab show partials):
#     sh examples/grade-partials.sh answers.txt
#
# The answer file has one `key = value` line per answer; blank lines and lines starting with #
# are ignored. Numbers must be within 1e-6 of gdsim's (relative above 1; 12/7 style fractions
# are fine); words are compared ignoring case. The keys:
#
#   dfdx, dfdy      the partial derivatives as formulas, e.g. 2x + y - 3 (gdsim evaluates them)
#   f               f(2, -1)
#   dfdx_value      df/dx at (2, -1)
#   dfdy_value      df/dy at (2, -1)
#   gradient_norm   |grad f| at (2, -1)
#   descent_x       the x component of -grad f at (2, -1)
#   descent_y       the y component of -grad f at (2, -1)
#   downhill_x      which way is downhill along x: +x, -x or none (flat)
#   downhill_y      which way is downhill along y: +y, -y or none
#   is_minimum      is (2, -1) the bottom of the surface: yes or no
#   min_x, min_y    the minimum, solved by hand from df/dx = 0 and df/dy = 0
#   min_f           f at the minimum
#   gd_x, gd_y      where gradient descent from (2, -1) with lr 0.1 stops
#   gd_steps        its number of steps (updates)
#   gd_status       its status: converged, max_steps or diverged
#
# Output: one line per check ("KEY: ok" or "KEY: WRONG: expected X, got Y"), then "score: N/M".
# Exit code: 0 all correct, 1 something wrong, 2 malformed answer file, 3 gdsim failed.

. "$(dirname "$0")/grade-lib.sh"

F="x^2 + x*y + 2y^2 - 3x"
TOL=1e-6
# The formulas are checked at a point of no special meaning, where a wrong formula is
# very unlikely to happen to give the right value.
Q="x=0.3,y=1.7"

[ $# -eq 1 ] || die_malformed "usage: $0 ANSWER_FILE"
read_answers "$1" dfdx dfdy f dfdx_value dfdy_value gradient_norm descent_x descent_y \
    downhill_x downhill_y is_minimum min_x min_y min_f gd_x gd_y gd_steps gd_status

# One step of plain gradient descent with lr 1 from (2, -1): its first CSV row holds f, the
# gradient and its length there, and the update taken, which with lr 1 is exactly -grad f.
run_csv "$WORK/at.csv" descend "$F" --start x=2,y=-1 --lr 1 --max-steps 1
csv_first "$WORK/at.csv" grad_x
gx=$value
csv_first "$WORK/at.csv" grad_y
gy=$value
csv_first "$WORK/at.csv" gradient_norm
norm=$value

# The partial derivatives at Q, for the formula checks.
run_csv "$WORK/q.csv" descend "$F" --start "$Q" --max-steps 0
csv_value "$WORK/q.csv" grad_x
qx=$value
csv_value "$WORK/q.csv" grad_y
qy=$value

check_formula dfdx "$TOL" "$Q" "$qx"
check_formula dfdy "$TOL" "$Q" "$qy"
csv_first "$WORK/at.csv" value
check_num f "$value" "$TOL"
check_num dfdx_value "$gx" "$TOL"
check_num dfdy_value "$gy" "$TOL"
check_num gradient_norm "$norm" "$TOL"
csv_first "$WORK/at.csv" update_x
check_num descent_x "$value" "$TOL"
csv_first "$WORK/at.csv" update_y
check_num descent_y "$value" "$TOL"
check_word downhill_x "$(downhill_of "$gx" x)"
check_word downhill_y "$(downhill_of "$gy" y)"
# A point where some partial derivative is not 0 cannot be a minimum.
if [ "$(sign_of "$norm")" = zero ]; then is_min=yes; else is_min=no; fi
check_word is_minimum "$is_min"

# The exact minimum: gradient descent run until the gradient is far below the 1e-6 asked for.
run_csv "$WORK/min.csv" descend "$F" --start x=2,y=-1 --lr 0.1 --tol 1e-12 --every 100000
[ "$rc" -eq 0 ] || die_gdsim "the run to the exact minimum did not converge"
csv_value "$WORK/min.csv" x
check_num min_x "$value" "$TOL"
csv_value "$WORK/min.csv" y
check_num min_y "$value" "$TOL"
csv_value "$WORK/min.csv" value
check_num min_f "$value" "$TOL"

run_csv "$WORK/gd.csv" descend "$F" --start x=2,y=-1 --lr 0.1 --every 100000
status=$(status_of "$rc")
csv_value "$WORK/gd.csv" x
check_num gd_x "$value" "$TOL"
csv_value "$WORK/gd.csv" y
check_num gd_y "$value" "$TOL"
csv_value "$WORK/gd.csv" step
check_num gd_steps "$value" 0
check_word gd_status "$status"

finish
