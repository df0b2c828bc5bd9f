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

_marsd()
{
	local cur prev
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
		    unsynced-soft-redirect" -- "${cur##*,}"))
		compopt -o nospace 2>/dev/null
		return
		;;
	--atm|--cmi|--redirect-interval|--ready-fd)
		return
		;;
	esac
	COMPREPLY=($(compgen -W "-c --config -n --name --listen --atm --cmi
	    --redirect-interval --protocol --admin --fault -d --daemon --pidfile
	    --syslog --ready-fd --json -t --check -v --verbose -h --help
	    -V --version" -- "$cur"))
}
complete -F _marsd marsd
