# Shared by the grade-*.sh scripts: reading a student's answer file and checking one answer
# per line. POSIX sh and awk only; the scripts source this file, it is not run on its own.
#
# Every expected value comes from gdsim itself (--get, --format csv and exit codes), so a
# grading script keeps working when the lab's numbers change. Set GDSIM to run another gdsim,
# e.g. GDSIM="python -m gdsim" (it is split into words).
#
# The expected values are computed once per grading run: each script's compute_expected puts
# them in a file (`put KEY VALUE`), the checks read them back (`want KEY`). With GRADE_EXPECTED
# set to a file name, the first script to run writes that file and every later one reads it, so
# grading a class (grade-all.sh) costs gdsim calls only for what differs per student: one call
# per formula the student wrote.
#
# Exit codes of a grading script: 0 every check passed, 1 some check failed, 2 the answer file
# is malformed (not key=value lines, an unknown or repeated key), 3 gdsim could not compute an
# expected value (not installed, or it refused the lab's own command).

# shellcheck disable=SC2034 # value and rc are read by the scripts that source this file
GDSIM=${GDSIM:-gdsim}
# awk and sort must read "0.5" the same way everywhere; gdsim's machine output is not localised.
LC_ALL=C
export LC_ALL

passed=0
total=0
ANSWERS=
WORK=

die_malformed() {
    printf 'malformed answer file: %s\n' "$*" >&2
    exit 2
}

die_gdsim() {
    printf 'cannot compute the expected values: %s\n' "$*" >&2
    exit 3
}

# read_answers FILE KEY...: check the file's shape before anything is graded, so that a
# typo in a key is reported as such instead of as a wrong answer.
read_answers() {
    ANSWERS=$1
    shift
    [ -f "$ANSWERS" ] && [ -r "$ANSWERS" ] || die_malformed "$ANSWERS: no such readable file"
    problem=$(awk -v allowed=" $* " '
        { sub(/\r$/, "") }
        /^[ \t]*(#|$)/ { next }
        {
            i = index($0, "=")
            if (i == 0) { print "line " NR ": expected key = value, got: " $0; exit }
            key = substr($0, 1, i - 1)
            gsub(/^[ \t]+|[ \t]+$/, "", key)
            if (key !~ /^[A-Za-z0-9_.+-]+$/) { print "line " NR ": bad key \"" key "\""; exit }
            if (index(allowed, " " key " ") == 0) { print "line " NR ": unknown key \"" key "\""; exit }
            if (key in seen) { print "line " NR ": \"" key "\" is also given on line " seen[key]; exit }
            seen[key] = NR
        }' "$ANSWERS")
    [ -z "$problem" ] || die_malformed "$ANSWERS: $problem"
    WORK="${TMPDIR:-/tmp}/grade.$$"
    (umask 077 && mkdir "$WORK") || die_gdsim "cannot create $WORK"
    trap 'rm -rf "$WORK"' EXIT
    # a signal ends the script through exit, so that the EXIT trap still cleans up
    trap 'exit 130' INT TERM HUP
    trap 'exit 141' PIPE
    # The answers once as KEY<tab>VALUE lines (trimmed, without surrounding quotes): each lookup
    # then reads that small file in the shell instead of starting awk again.
    awk '
        { sub(/\r$/, "") }
        /^[ \t]*(#|$)/ { next }
        {
            i = index($0, "=")
            key = substr($0, 1, i - 1)
            gsub(/^[ \t]+|[ \t]+$/, "", key)
            value = substr($0, i + 1)
            gsub(/^[ \t]+|[ \t]+$/, "", value)
            if (value ~ /^".*"$/ || value ~ /^\047.*\047$/) value = substr(value, 2, length(value) - 2)
            gsub(/\t/, " ", value)
            print key "\t" value
        }' "$ANSWERS" >"$WORK/answers.tsv"
}

TAB=$(printf '\t')

# lookup FILE KEY: the value of KEY in a KEY<tab>VALUE file ("" when missing).
lookup() {
    while IFS="$TAB" read -r lookup_key lookup_value; do
        if [ "$lookup_key" = "$2" ]; then
            printf '%s\n' "$lookup_value"
            return
        fi
    done <"$1"
}

# answer KEY: the student's value, trimmed, without surrounding quotes ("" when missing).
answer() {
    lookup "$WORK/answers.tsv" "$1"
}

ok() {
    total=$((total + 1))
    passed=$((passed + 1))
    printf '%s: ok\n' "$1"
}

wrong() {
    total=$((total + 1))
    printf '%s: WRONG: expected %s, got %s\n' "$1" "$2" "${3:-(no answer)}"
}

# g6 NUMBER: the number as people read it, %.6g (-0.7000000000000001 is -0.7); text as it is.
g6() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/) { s = sprintf("%.6g", v + 0); print (s == "-0" ? "0" : s) }
        else print v
    }'
}

# --- expected values: computed once per grading run ---------------------------------------------

EXPECTED=

# expected_values: the script's compute_expected, or the file GRADE_EXPECTED when an earlier run
# already wrote it there.
expected_values() {
    if [ -n "${GRADE_EXPECTED:-}" ] && [ -s "$GRADE_EXPECTED" ]; then
        EXPECTED=$GRADE_EXPECTED
        return
    fi
    EXPECTED="$WORK/expected"
    : >"$EXPECTED"
    compute_expected
    if [ -n "${GRADE_EXPECTED:-}" ]; then
        # written whole or not at all: a run stopped half-way leaves no half file behind
        cp "$EXPECTED" "$GRADE_EXPECTED.$$" && mv "$GRADE_EXPECTED.$$" "$GRADE_EXPECTED"
    fi
}

# put KEY VALUE: record an expected value (one line, tab-separated).
put() {
    printf '%s\t%s\n' "$1" "$2" >>"$EXPECTED"
}

# want KEY: the expected value recorded for KEY.
want() {
    lookup "$EXPECTED" "$1"
}

# finish: the score line, and exit 0 only when every check passed.
finish() {
    printf 'score: %s/%s\n' "$passed" "$total"
    [ "$passed" -eq "$total" ]
    exit $?
}

# --- comparisons ------------------------------------------------------------------------------

# close GOT EXPECTED TOL: true when |GOT - EXPECTED| <= TOL * max(1, |EXPECTED|).
# GOT may be a fraction such as 12/7; anything that is not a number is false.
close() {
    awk -v got="$1" -v want="$2" -v tol="$3" '
        function number(s) { return s ~ /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/ }
        BEGIN {
            n = split(got, part, "/")
            if (n == 1 && number(got)) g = got + 0
            else if (n == 2 && number(part[1]) && number(part[2]) && part[2] + 0 != 0) g = part[1] / part[2]
            else exit 1
            if (!number(want)) exit 1
            w = want + 0
            d = g - w; if (d < 0) d = -d
            scale = w < 0 ? -w : w; if (scale < 1) scale = 1
            exit !(d <= tol * scale)
        }'
}

# check_num KEY EXPECTED TOL: a number within TOL (relative once |EXPECTED| > 1; 0 means exact).
check_num() {
    got=$(answer "$1")
    if [ -n "$got" ] && close "$got" "$2" "$3"; then ok "$1"; else wrong "$1" "$(g6 "$2")" "$got"; fi
}

lower() {
    printf '%s\n' "$1" | tr '[:upper:]' '[:lower:]'
}

# check_word KEY EXPECTED: the same word, ignoring case.
check_word() {
    got=$(answer "$1")
    if [ -n "$got" ] && [ "$(lower "$got")" = "$(lower "$2")" ]; then ok "$1"; else wrong "$1" "$2" "$got"; fi
}

# as_set LIST: a comma or space separated list, lower case, sorted, each item once.
as_set() {
    # shellcheck disable=SC2020 # three characters, each to a newline
    printf '%s\n' "$1" | tr '[:upper:]' '[:lower:]' | tr ', \t' '\n\n\n' | awk 'NF' | sort -u | paste -s -d, -
}

# check_set KEY EXPECTED: the same items in any order ("momentum, nesterov").
check_set() {
    got=$(answer "$1")
    want=$(as_set "$2")
    if [ -n "$got" ] && [ "$(as_set "$got")" = "$want" ]; then ok "$1"; else wrong "$1" "$(echo "$want" | sed 's/,/, /g')" "$got"; fi
}

# check_formula KEY TOL POINT PATHS EXPECTED...: the student's formula, read and evaluated by
# gdsim itself (never by the shell), in one call: at POINT, the values at the --get PATHS (its
# value and its slopes, e.g. value,gradient_value.x) must be the EXPECTED numbers, in order.
# A formula with the right value and the right slopes at a point is the right formula for every
# answer a student writes by hand (a polynomial that agrees there in value and slope).
check_formula() {
    formula_key=$1 formula_tol=$2 formula_at=$3 formula_paths=$4
    shift 4
    formula=$(answer "$formula_key")
    shown=$(for w in "$@"; do g6 "$w"; done | paste -s -d, - | sed 's/,/, /g')
    what="a formula whose $(echo "$formula_paths" | sed 's/gradient_value[.]/d\/d/g; s/,/, /g') at $formula_at are $shown"
    if [ -z "$formula" ]; then wrong "$formula_key" "$what" ""; return; fi
    if ! worth=$($GDSIM derive --at="$formula_at" --get "$formula_paths" -- "$formula" 2>"$WORK/formula.err"); then
        wrong "$formula_key" "$what" "$formula (gdsim: $(head -n 1 "$WORK/formula.err" | sed 's/^error: //'))"
        return
    fi
    i=0
    for w in "$@"; do
        i=$((i + 1))
        if ! close "$(printf '%s\n' "$worth" | sed -n "${i}p")" "$w" "$formula_tol"; then
            wrong "$formula_key" "$what" "$formula ($(printf '%s\n' "$worth" | while read -r v; do g6 "$v"; done | paste -s -d, - | sed 's/,/, /g') there)"
            return
        fi
    done
    ok "$formula_key"
}

# --- expected values from gdsim ---------------------------------------------------------------

# gdsim_get ARGS...: sets value to what `gdsim ARGS` prints (ARGS should end in --get PATH or
# --get PATH,PATH,...: one value per line). The helpers set a variable rather than print, so that
# a failure can stop the whole script.
gdsim_get() {
    value=$($GDSIM "$@" 2>"$WORK/get.err") || die_gdsim "$GDSIM $* (exit $?): $(head -n 1 "$WORK/get.err")"
}

# gdsim_run ARGS...: like gdsim_get, for a run whose exit code says how it ended (0 converged or
# finished, 3 max_steps, 4 diverged): sets value and rc.
gdsim_run() {
    value=$($GDSIM "$@" 2>"$WORK/get.err")
    rc=$?
    case $rc in
        0 | 3 | 4) ;;
        *) die_gdsim "$GDSIM $* (exit $rc): $(head -n 1 "$WORK/get.err")" ;;
    esac
}

# line N: line N of $value (one --get path each).
line() {
    printf '%s\n' "$value" | sed -n "$1p"
}

# run_csv FILE ARGS...: `gdsim ARGS --format csv` into FILE. Sets rc to the exit code, which
# says how a run ended: 0 converged (or finished its epochs), 3 max_steps, 4 diverged.
run_csv() {
    file=$1
    shift
    $GDSIM "$@" --format csv >"$file" 2>"$file.err"
    rc=$?
    case $rc in
        0 | 3 | 4) ;;
        *) die_gdsim "$GDSIM $* (exit $rc): $(head -n 1 "$file.err")" ;;
    esac
}

# status_of CODE: the descend status that an exit code stands for.
status_of() {
    case $1 in
        0) echo converged ;;
        3) echo max_steps ;;
        4) echo diverged ;;
        *) echo "exit $1" ;;
    esac
}

# csv_value FILE NAME [RUN]: sets value to NAME's value in the last row of a CSV (of the
# comparison run RUN when given).
csv_value() {
    value=$(awk -F, -v name="$2" -v run="${3:-}" '
        NR == 1 {
            for (i = 1; i <= NF; i++) { if ($i == name) c = i; if ($i == "run") r = i }
            next
        }
        c && (run == "" || $r == run) { v = $c; found = 1 }
        END { if (!found) exit 1; print v }' "$1") || die_gdsim "no column $2 in $1"
}

# csv_first FILE NAME: sets value to NAME's value in the first row of a CSV (step 0).
csv_first() {
    value=$(awk -F, -v name="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
        c { print $c; found = 1; exit }
        END { exit !found }' "$1") || die_gdsim "no column $2 in $1"
}

# sign_of NUMBER: positive, negative or zero (|NUMBER| <= 1e-9 counts as zero: rounding).
sign_of() {
    awk -v v="$1" 'BEGIN { print (v > 1e-9) ? "positive" : (v < -1e-9) ? "negative" : "zero" }'
}

# downhill_of NUMBER VAR: the way the hiker steps for a slope NUMBER along VAR: -VAR, +VAR or none.
downhill_of() {
    case $(sign_of "$1") in
        positive) echo "-$2" ;;
        negative) echo "+$2" ;;
        *) echo none ;;
    esac
}
