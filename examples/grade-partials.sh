#!/bin/sh
# Grade an answer to the lab "partials" (gdsim lab show partials):
#     sh examples/grade-partials.sh answers.txt
#
# The answer file has one `key = value` line per answer; blank lines and lines starting with #
# are ignored. Numbers must be within 1e-6 of gdsim's (relative above 1; 12/7 style fractions
# are fine); words are compared ignoring case. The keys:
#
#   dfdx, dfdy      the partial derivatives as formulas, e.g. 2x + y - 3 (gdsim evaluates them and their slopes)
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
# The expected values, once per grading run: one derive call at (2, -1), one at Q (the partial
# derivatives there and their own slopes, the Hessian's rows), one run to the exact minimum and
# the lab's run.
compute_expected() {
    gdsim_get derive "$F" --at x=2,y=-1 --get value,gradient_value.x,gradient_value.y,gradient_norm,descent_direction.x,descent_direction.y
    i=1
    for k in f dfdx_value dfdy_value gradient_norm descent_x descent_y; do
        put "$k" "$(line $i)"
        i=$((i + 1))
    done
    gdsim_get derive "$F" --at "$Q" --hessian \
        --get gradient_value.x,gradient_value.y,hessian_value.0.0,hessian_value.0.1,hessian_value.1.0,hessian_value.1.1
    i=1
    for k in q_dfdx q_dfdy q_dfdx_x q_dfdx_y q_dfdy_x q_dfdy_y; do
        put "$k" "$(line $i)"
        i=$((i + 1))
    done
    gdsim_run descend "$F" --start x=2,y=-1 --lr 0.1 --tol 1e-12 --get result.point.x,result.point.y,result.value
    [ "$rc" -eq 0 ] || die_gdsim "the run to the exact minimum did not converge"
    put min_x "$(line 1)"
    put min_y "$(line 2)"
    put min_f "$(line 3)"
    gdsim_run descend "$F" --start x=2,y=-1 --lr 0.1 --get result.point.x,result.point.y,result.steps
    put gd_x "$(line 1)"
    put gd_y "$(line 2)"
    put gd_steps "$(line 3)"
    put gd_status "$(status_of "$rc")"
}
expected_values

# Each formula: its value and both its slopes at Q.
check_formula dfdx "$TOL" "$Q" value,gradient_value.x,gradient_value.y "$(want q_dfdx)" "$(want q_dfdx_x)" "$(want q_dfdx_y)"
check_formula dfdy "$TOL" "$Q" value,gradient_value.x,gradient_value.y "$(want q_dfdy)" "$(want q_dfdy_x)" "$(want q_dfdy_y)"
for k in f dfdx_value dfdy_value gradient_norm descent_x descent_y; do
    check_num "$k" "$(want "$k")" "$TOL"
done
check_word downhill_x "$(downhill_of "$(want dfdx_value)" x)"
check_word downhill_y "$(downhill_of "$(want dfdy_value)" y)"
if [ "$(sign_of "$(want gradient_norm)")" = zero ]; then is_min=yes; else is_min=no; fi
check_word is_minimum "$is_min"
for k in min_x min_y min_f gd_x gd_y; do
    check_num "$k" "$(want "$k")" "$TOL"
done
check_num gd_steps "$(want gd_steps)" 0
check_word gd_status "$(want gd_status)"

finish
