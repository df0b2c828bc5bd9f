# bash completion for marsctl(8).  The words come from marsctl itself
# (`marsctl __complete WORD... PREFIX`, its command table), so they are
# always those of the marsctl being completed.

_marsctl()
{
	local line=${COMP_LINE:0:COMP_POINT} cur pre= c i
	local -a words cands
	COMPREPLY=()

	read -ra words <<<"$line"
	if [[ $line == *[[:space:]] ]]; then
		cur=
	else
		cur=${words[${#words[@]}-1]}
		unset 'words[${#words[@]}-1]'
	fi
	local IFS=$'\n'
	cands=($(command "${words[0]/#\~/$HOME}" __complete \
	    "${words[@]:1}" "$cur" 2>/dev/null))
	# bash replaces the part of the word after its last break character
	for ((i = ${#cur} - 1; i >= 0; i--)); do
		c=${cur:i:1}
		if [[ $c == [=:] && $COMP_WORDBREAKS == *"$c"* ]]; then
			pre=${cur:0:i+1}
			break
		fi
	done
	for c in "${cands[@]}"; do
		COMPREPLY+=("${c#"$pre"}")
	done
	if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *[=/:] ]]; then
		compopt -o nospace 2>/dev/null
	fi
}
complete -F _marsctl marsctl
