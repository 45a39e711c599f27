# Bash's programmable completion of one command line, as TAB would run it.
# Usage: bash --norc --noprofile complete.bash SCRIPT LINE
# Sources SCRIPT (`pkce-audit completions bash`), sets COMP_WORDS, COMP_CWORD, COMP_LINE
# and COMP_POINT for LINE (cursor at its end), calls the function `complete -p pkce-audit`
# names, and prints COMPREPLY, one candidate a line.
# shellcheck source=/dev/null
source "$1"
line=$2
read -r -a COMP_WORDS <<< "$line"
if [[ $line == *' ' ]]; then COMP_WORDS+=(''); fi
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE=$line
COMP_POINT=${#line}
spec=$(complete -p pkce-audit) || exit 3
fn=${spec#*-F }
fn=${fn%% *}
COMPREPLY=()
"$fn" pkce-audit "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
if (( ${#COMPREPLY[@]} )); then printf '%s\n' "${COMPREPLY[@]}"; fi
