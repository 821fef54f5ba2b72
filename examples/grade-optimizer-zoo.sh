#!/bin/sh
# Grade an answer to the lab "optimizer-zoo" (gdsim lab show optimizer-zoo):
#     sh examples/grade-optimizer-zoo.sh answers.txt
#
# The answer file has one `key = value` line per answer; blank lines and lines starting with #
# are ignored. Words are compared ignoring case. Every run is on x^2 + 10y^2 from (-2, 1):
#
#   lambda_max          the largest eigenvalue of the Hessian (within 1e-6)
#   lr_limit            2/lambda_max, the largest stable rate of gd (within 1e-6)
#   best_lr, best_steps the fewest steps of gd at a constant lr swept 0.01:0.11:11, and its lr
#   status_L            converged, max_steps or diverged for the constant lr L = 0.1 and 0.11
#   exp_steps_0.11      steps of lr 0.11 with --schedule exponential:gamma=0.99
#   sched_best_lr, sched_best_steps
#                       the same for the starting lr swept 0.05:0.15:11 with that schedule
#   sched_status_0.05   the status of the start 0.05 with that schedule
#   freeze_status, freeze_x, freeze_f
#                       lr 0.11 with --schedule exponential:gamma=0.9: status, final x (within
#                       1e-4) and final f (within 1e-5)
#   newton_steps, newton_f
#                       -o newton: steps and final f (within 1e-9)
#   newton_half_steps   -o newton --lr 0.5: steps
#   lbfgs_steps         -o lbfgs --tol 1e-5: steps
#   armijo_steps        gd --lr 1 --line-search armijo: steps
#
# Steps are checked exactly, learning rates within 1e-6.
#
# Output: one line per check ("KEY: ok" or "KEY: WRONG: expected X, got Y"), then "score: N/M".
# Exit code: 0 all correct, 1 something wrong, 2 malformed answer file, 3 gdsim failed.

# shellcheck disable=SC2086 # lists such as $keys are split into words on purpose
. "$(dirname "$0")/grade-lib.sh"

F="x^2 + 10*y^2"
START="x=-2,y=1"
RATES="0.01:0.11:11"
SCHEDULE="exponential:gamma=0.99"
SCHEDULED_RATES="0.05:0.15:11"
FREEZE="exponential:gamma=0.9"

keys="lambda_max lr_limit best_lr best_steps status_0.1 status_0.11"
keys="$keys exp_steps_0.11 sched_best_lr sched_best_steps sched_status_0.05"
keys="$keys freeze_status freeze_x freeze_f newton_steps newton_f newton_half_steps lbfgs_steps armijo_steps"
[ $# -eq 1 ] || die_malformed "usage: $0 ANSWER_FILE"
read_answers "$1" $keys

# fewest FILE: "lr steps" of the converged row of a sweep's CSV with the fewest steps (the
# smallest lr on a tie), as the sweep's text names it.
fewest() {
    value=$(awk -F, '
        NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "lr") l = i; if ($i == "status") s = i; if ($i == "steps") n = i }; next }
        $s == "converged" && (best == "" || $n + 0 < best + 0) { best = $n; lr = $l }
        END { if (best == "") exit 1; print lr " " best }' "$1") || die_gdsim "no converged run in $1"
}

# sweep_status FILE LR: the status of the row whose lr is LR in a sweep's CSV.
sweep_status() {
    value=$(awk -F, -v want="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "lr") l = i; if ($i == "status") s = i }; next }
        $l + 0 == want + 0 { print $s; found = 1; exit }
        END { exit !found }' "$1") || die_gdsim "no row with lr = $2 in $1"
}

# The expected values, once per grading run: the Hessian at the start, the two sweeps (their
# CSVs), and one descend per remaining run (several --get paths each).
compute_expected() {
    gdsim_get derive "$F" --at "$START" --hessian --get hessian_eigenvalues.1,max_stable_lr
    put lambda_max "$(line 1)"
    put lr_limit "$(line 2)"

    run_csv "$WORK/constant.csv" sweep "$F" --start "$START" --lr "$RATES"
    fewest "$WORK/constant.csv"
    put best_lr "${value% *}"
    put best_steps "${value#* }"
    for lr in 0.1 0.11; do
        sweep_status "$WORK/constant.csv" "$lr"
        put "status_$lr" "$value"
    done

    gdsim_run descend "$F" --start "$START" --lr 0.11 --schedule "$SCHEDULE" --get result.steps
    put exp_steps_0.11 "$value"
    run_csv "$WORK/scheduled.csv" sweep "$F" --start "$START" --lr "$SCHEDULED_RATES" --schedule "$SCHEDULE"
    fewest "$WORK/scheduled.csv"
    put sched_best_lr "${value% *}"
    put sched_best_steps "${value#* }"
    sweep_status "$WORK/scheduled.csv" 0.05
    put sched_status_0.05 "$value"

    gdsim_run descend "$F" --start "$START" --lr 0.11 --schedule "$FREEZE" --get result.point.x,result.value
    put freeze_status "$(status_of "$rc")"
    put freeze_x "$(line 1)"
    put freeze_f "$(line 2)"

    gdsim_run descend "$F" --start "$START" -o newton --get result.steps,result.value
    put newton_steps "$(line 1)"
    put newton_f "$(line 2)"
    gdsim_run descend "$F" --start "$START" -o newton --lr 0.5 --get result.steps
    put newton_half_steps "$value"
    gdsim_run descend "$F" --start "$START" -o lbfgs --tol 1e-5 --get result.steps
    put lbfgs_steps "$value"
    gdsim_run descend "$F" --start "$START" --lr 1 --line-search armijo --get result.steps
    put armijo_steps "$value"
}
expected_values

check_num lambda_max "$(want lambda_max)" 1e-6
check_num lr_limit "$(want lr_limit)" 1e-6
check_num best_lr "$(want best_lr)" 1e-6
check_num best_steps "$(want best_steps)" 0
check_word status_0.1 "$(want status_0.1)"
check_word status_0.11 "$(want status_0.11)"
check_num exp_steps_0.11 "$(want exp_steps_0.11)" 0
check_num sched_best_lr "$(want sched_best_lr)" 1e-6
check_num sched_best_steps "$(want sched_best_steps)" 0
check_word sched_status_0.05 "$(want sched_status_0.05)"
check_word freeze_status "$(want freeze_status)"
check_num freeze_x "$(want freeze_x)" 1e-4
check_num freeze_f "$(want freeze_f)" 1e-5
check_num newton_steps "$(want newton_steps)" 0
check_num newton_f "$(want newton_f)" 1e-9
check_num newton_half_steps "$(want newton_half_steps)" 0
check_num lbfgs_steps "$(want lbfgs_steps)" 0
check_num armijo_steps "$(want armijo_steps)" 0

finish
