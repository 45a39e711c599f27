# zsh's completion of one command line, as TAB would run it.
# Usage: zsh -f complete.zsh FPATH_DIR LINE
# FPATH_DIR holds _pkce-audit (`pkce-audit completions zsh`). Starts an interactive zsh in
# a pseudo-terminal (zsh/zpty), loads compinit, wraps compadd to print each match it is
# given, types LINE and TAB, and prints the matches, one a line. The approach of
# zsh-capture-completion (github.com/Valodim/zsh-capture-completion), kept small.
zmodload zsh/zpty || exit 2
zpty z zsh -f -i
zpty -w z "fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "PROMPT=''"
# The marker is assembled at run time, so the terminal's echo of this code never holds it.
zpty -w z '__mk=MATCH'
# compadd calls that only ask (-O, -A, -D: _arguments and _describe filtering) pass through.
zpty -w z 'compadd() {
  if [[ " ${(j: :)@[1,(i)(-|--)]} " == *\ -[^\ ]#[OAD]\ * ]]; then builtin compadd "$@"; return; fi
  local -a __m; builtin compadd -O __m "$@"; local m
  for m in $__m; do print -r -- "<${__mk}>$m"; done
  builtin compadd "$@"
}'
zpty -w z '__done() { print -r -- "<${__mk}:done>"; }; comppostfuncs=(__done)'
zpty -w z "bindkey '^I' complete-word"
zpty -n -w z "$2"$'\t'
local line
while zpty -r z line; do
  line=${line//$'\r'/}
  line=${line%$'\n'}
  [[ $line == *'<MATCH:done>'* ]] && break
  [[ $line == *'<MATCH>'* ]] && print -r -- "${line##*<MATCH>}"
done
zpty -d z
