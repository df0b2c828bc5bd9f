# bash completion for marsd(8)

_marsd_names()
{
	# [mars NAME] sections of the cluster file given with -c
	local i f=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c|--config) f=${COMP_WORDS[i+1]} ;;
		esac
	done
	[ -r "$f" ] && sed -n 's/^[[:space:]]*\[mars[[:space:]]\{1,\}\([^]]*\)\].*/\1/p' "$f"
}

# With -C the operands are an admin command: its words, in order.
_marsd_ctl_words()
{
	local i n=0 ctl= w=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-C|--ctl) ctl=1 ;;
		-c|--config|-n|--name|--admin) ((i++)) ;;
		-*) ;;
		*) w="$w ${COMP_WORDS[i]}"; n=$((n + 1)) ;;
		esac
	done
	[ -n "$ctl" ] || return 1
	case $w in
	"") echo "show fault help" ;;
	" show") echo "members groups mcs redirect-map stats living-group
	    election scsp" ;;
	" fault") echo "omit-dead fresh-cmi skip-sync stale-checksum cmi-zero
	    nak-csn null-map win2000" ;;
	" fault "*) [ "$n" -eq 2 ] && echo "on off" || echo json ;;
	*) echo json ;;
	esac
}

_marsd()
{
	local cur prev words
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	case $prev in
	-c|--config)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	-n|--name)
		COMPREPLY=($(compgen -W "$(_marsd_names)" -- "$cur"))
		return
		;;
	--admin|--pidfile)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--listen)
		COMPREPLY=($(compgen -W "udp:127.0.0.1: udp:[::1]:" -- "$cur"))
		compopt -o nospace 2>/dev/null
		return
		;;
	--protocol)
		COMPREPLY=($(compgen -W "ipv4 ipv6" -- "$cur"))
		return
		;;
	--fault)
		# several names: complete the one after the last comma
		local pre=${cur%${cur##*,}}
		COMPREPLY=($(compgen -P "$pre" -W "omit-dead fresh-cmi skip-sync
		    unsynced-soft-redirect stale-checksum cmi-zero nak-csn
		    null-map win2000" -- "${cur##*,}"))
		compopt -o nospace 2>/dev/null
		return
		;;
	--atm|--cmi|--redirect-interval|--ready-fd)
		return
		;;
	esac
	if [[ $cur != -* ]] && words=$(_marsd_ctl_words); then
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -W "-c --config -n --name --listen --atm --cmi
	    --redirect-interval --protocol --admin --fault --fault-injection
	    -d --daemon --pidfile --syslog --ready-fd --json -t --check
	    -C --ctl -v --verbose -h --help -V --version" -- "$cur"))
}
complete -F _marsd marsd
