#!/bin/sh
# Grade an answer to the lab "sgd-batches" (gdsim lab show sgd-batches):
#     sh examples/grade-sgd-batches.sh answers.txt
#
# The answer file has one `key = value` line per answer; blank lines and lines starting with #
# are ignored. Numbers must be within 1e-3 of gdsim's (relative above 1); words are compared
# ignoring case. For each batch size B of 1, 16 and 200 (10 epochs, lr 0.05, seed 0):
#
#   steps_B            the number of steps (updates) in the 10 epochs
#   steps_per_epoch_B  the number of steps in one epoch
#   loss_B             the final full-data loss
#   w_B, b_B           the final w and b
#   loss_rises_B       does the full-data loss ever go up from one step to the next: yes or no
#
# and:
#
#   far_from_best      the batch size whose loss after 10 epochs is the highest
#   loss_200_epochs    the full-data loss of full-batch training (B = 200) after 200 epochs
#
# Output: one line per check ("KEY: ok" or "KEY: WRONG: expected X, got Y"), then "score: N/M".
# Exit code: 0 all correct, 1 something wrong, 2 malformed answer file, 3 gdsim failed.

# shellcheck disable=SC2086 # lists such as $keys are split into words on purpose
. "$(dirname "$0")/grade-lib.sh"

# The data options, split into words where they are used.
DATA="--synthetic linear --samples 200 --features 1 --noise 0.5 --seed 0"
TOL=1e-3
BATCHES="1 16 200"

keys="far_from_best loss_200_epochs"
for b in $BATCHES; do keys="$keys steps_$b steps_per_epoch_$b loss_$b w_$b b_$b loss_rises_$b"; done
[ $# -eq 1 ] || die_malformed "usage: $0 ANSWER_FILE"
read_answers "$1" $keys

# The expected values, once per grading run: one run per batch size (--every 1 records every
# step, so that the CSV shows each rise of the loss) and the long full-batch run.
compute_expected() {
    for b in $BATCHES; do
        run_csv "$WORK/b$b.csv" sgd $DATA --batch-size "$b" --epochs 10 --lr 0.05 --every 1
        [ "$rc" -eq 0 ] || die_gdsim "the sgd run with batch size $b did not finish (exit $rc)"
        csv_value "$WORK/b$b.csv" step
        put "steps_$b" "$value"
        put "steps_per_epoch_$b" "$(awk -F, '
            NR == 1 { for (i = 1; i <= NF; i++) if ($i == "epoch") c = i; next }
            $c == 1 { n++ }
            END { print n + 0 }' "$WORK/b$b.csv")"
        csv_value "$WORK/b$b.csv" loss
        put "loss_$b" "$value"
        echo "$b $value" >>"$WORK/losses"
        # --model linear names the weight of the data column x "w_x".
        csv_value "$WORK/b$b.csv" w_x
        put "w_$b" "$value"
        csv_value "$WORK/b$b.csv" b
        put "b_$b" "$value"
        put "loss_rises_$b" "$(awk -F, '
            NR == 1 { for (i = 1; i <= NF; i++) if ($i == "loss") c = i; next }
            NR > 2 && $c > previous { up = 1 }
            { previous = $c }
            END { print up ? "yes" : "no" }' "$WORK/b$b.csv")"
    done
    put far_from_best "$(awk '$2 > top || NR == 1 { top = $2; b = $1 } END { print b }' "$WORK/losses")"
    gdsim_get sgd $DATA --batch-size 200 --epochs 200 --lr 0.05 --get result.loss
    put loss_200_epochs "$value"
}
expected_values

for b in $BATCHES; do
    check_num "steps_$b" "$(want "steps_$b")" 0
    check_num "steps_per_epoch_$b" "$(want "steps_per_epoch_$b")" 0
    check_num "loss_$b" "$(want "loss_$b")" "$TOL"
    check_num "w_$b" "$(want "w_$b")" "$TOL"
    check_num "b_$b" "$(want "b_$b")" "$TOL"
    check_word "loss_rises_$b" "$(want "loss_rises_$b")"
done
check_word far_from_best "$(want far_from_best)"
check_num loss_200_epochs "$(want loss_200_epochs)" "$TOL"

finish
