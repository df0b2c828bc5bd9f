# bash completion for marsdump(1)

_marsdump_ops="request multi mserv join leave nak unserv sjoin sleave
	grouplist_request grouplist_reply redirect_map migrate
	mars_request mars_multi mars_mserv mars_join mars_leave mars_nak
	mars_unserv mars_sjoin mars_sleave mars_grouplist_request
	mars_grouplist_reply mars_redirect_map mars_migrate
	ca csu_request csu_reply csus hello"

_marsdump_keywords="op group cmi src vc mars scsp nhrp malformed
	nonconforming and or not"

_marsdump_nonconf="checksum null-source reserved-bits seqxy cmi-zero
	tlv-drop tlv-error"

_marsdump()
{
	local cur prev i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	case $prev in
	-r|-w)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -X '!*.@(pcap|pcapng|cap|dump)' -- "$cur"))
		COMPREPLY+=($(compgen -d -- "$cur"))
		[ "$prev" = -r ] && [ -z "$cur" ] && COMPREPLY+=(-)
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
	-c|-f|-B)
		return
		;;
	op)
		COMPREPLY=($(compgen -W "$_marsdump_ops" -- "${cur,,}"))
		return
		;;
	nonconforming)
		COMPREPLY=($(compgen -W "$_marsdump_nonconf and or" \
		    -- "${cur,,}"))
		return
		;;
	group|cmi|src|vc)
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-r -i -w -c -f -B -n -v -vv -x -Z -h -V
		    --json --stats --strict --tt --immediate-mode --help
		    --version" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -W "$_marsdump_keywords" -- "$cur"))
}
complete -F _marsdump marsdump
