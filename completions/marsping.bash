# bash completion for marsping(1)

_marsping()
{
	local cur prev
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	case $prev in
	--cluster)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -X '!*.conf' -- "$cur"))
		COMPREPLY+=($(compgen -d -- "$cur"))
		return
		;;
	-m)
		COMPREPLY=($(compgen -W "udp:127.0.0.1: udp:[::1]:" -- "$cur"))
		compopt -o nospace 2>/dev/null
		return
		;;
	-i|-W|-w|--failure-timeout|--retransmit-interval)
		COMPREPLY=($(compgen -W "250ms 500ms 1s 2s 5s 10s 1m" -- "$cur"))
		return
		;;
	--protocol)
		COMPREPLY=($(compgen -W "ipv4 ipv6" -- "$cur"))
		return
		;;
	-c|-s|-p|--atm-mars|--seed|--join|--grouplist)
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-c -i -W -w -q -v -s -p -m -h -V
		    --json --atm-mars --register --join --grouplist --cluster
		    --protocol --no-checksum
		    --failure-timeout --retransmit-interval --seed
		    --help --version" -- "$cur"))
		return
	fi
}
complete -F _marsping marsping
