# bash completion for marsmap(1)

_marsmap_rules="all redirect-whole-group redirect-only-group
	redirect-sender-first redirect-living-first redirect-stable
	redirect-partition redirect-hard-from-backup backup-hard-redirect
	soft-after-sync cmi-continuity cmi-unique cmi-block registration-csn
	csn-sequence mcs-join-suppressed single-active"

_marsmap()
{
	local cur prev list last r
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	case $prev in
	-r)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -X '!*.@(pcap|pcapng|cap|dump)' -- "$cur"))
		COMPREPLY+=($(compgen -d -- "$cur"))
		[ -z "$cur" ] && COMPREPLY+=(-)
		return
		;;
	-c|--cluster)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -X '!*.conf' -- "$cur"))
		COMPREPLY+=($(compgen -d -- "$cur"))
		return
		;;
	-i)
		COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" \
		    -- "$cur"))
		return
		;;
	-Z)
		COMPREPLY=($(compgen -u -- "$cur"))
		return
		;;
	-m)
		COMPREPLY=($(compgen -W "udp:" -- "$cur"))
		compopt -o nospace 2>/dev/null
		return
		;;
	--rules)
		# A comma-separated list: complete its last word, "-" too.
		list=${cur%"${cur##*,}"}
		last=${cur##*,}
		r=${last#-}
		COMPREPLY=($(compgen -P "$list${last%"$r"}" \
		    -W "$_marsmap_rules" -- "$r"))
		compopt -o nospace 2>/dev/null
		return
		;;
	-w|-f)
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-r -i -m -c -w -f -Z -v -l -h -V
		    --cluster --json --rules --tui --strict --list-rules
		    --help --version" -- "$cur"))
	fi
}
complete -F _marsmap marsmap
