# bash completion for marsfail(1): the candidates come from
# `marsfail __complete WORD... PREFIX' (options, subcommands, shipped
# drills, fault switches); files where a file is wanted.

_marsfail()
{
	local cur prev
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	case $prev in
	-c|--keep)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--html|-w|--marsd)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--seed|--runs|--members|--steps|--fail-cmd|--restore-cmd|--only)
		return
		;;
	esac
	# Options: --sim --lab --live -c --seed --json --tap --junit --html -w
	# --strict --marsd --netns --no-netns --keep --fail-cmd --restore-cmd
	# -m --only --timeout --runs --members --steps --fault --list -q -v
	# --help --version
	COMPREPLY=($(marsfail __complete "${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null))
	if [[ $cur != -* && $prev != --fault && $prev != -m && $prev != --timeout ]]; then
		compopt -o filenames 2>/dev/null
		COMPREPLY+=($(compgen -f -X '!*.drill' -- "$cur"))
		COMPREPLY+=($(compgen -d -- "$cur"))
	fi
}
complete -F _marsfail marsfail
