# bash completion for srt-launch and srt
_srt_launch()
{
	local cur prev i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	# After the command word (or --), complete as a command line.
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--) _command_offset $((i + 1)); return ;;
		-s|--settings|-c|--control-fd|--violations|--monitor) ((i++)) ;;
		-*) ;;
		*) _command_offset $i; return ;;
		esac
	done
	case $prev in
	-s|--settings|--violations)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-c|--control-fd|--monitor)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-d -s -c -q -h -V --debug --settings
		    --control-fd --print-plan --check --quiet --observe --no-observe --violations
		    --monitor --help --version --' -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -c -- "$cur"))
}
complete -F _srt_launch srt-launch srt
