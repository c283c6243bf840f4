#!/bin/sh
# voice-summaries.sh: turns every NN-summary.txt in a course folder into the voice message NN-summary.ogg
# (OGG/Opus, mono, 32 kbit/s) with espeak-ng's Persian voice, the same settings as
# courses/01-home-business/06-summary.ogg. The voice is synthetic: staff recordings should replace it.
#
# Usage (from the repository root):
#   lessons/scripts/voice-summaries.sh lessons/content/courses/10-household-economy
# Needs the Debian packages espeak-ng and ffmpeg (apt-get install espeak-ng ffmpeg).
# It refuses a summary that would play longer than 60 seconds or contains digits (the voice reads
# numbers badly; write them in words).
set -eu

dir=${1:?usage: $0 COURSE_FOLDER}
for tool in espeak-ng ffmpeg ffprobe; do
	command -v "$tool" >/dev/null || { echo "$0: $tool is missing (apt-get install espeak-ng ffmpeg)" >&2; exit 1; }
done

found=0
for txt in "$dir"/[0-9][0-9]-summary.txt; do
	[ -e "$txt" ] || continue
	found=1
	ogg=${txt%.txt}.ogg
	if grep -qE '[0-9]|۰|۱|۲|۳|۴|۵|۶|۷|۸|۹' "$txt"; then
		echo "$txt: write numbers in words, not digits" >&2
		exit 1
	fi
	# bitexact flags keep encoder versions and dates out of the file, so a rebuild gives the same bytes
	# with the same tool versions.
	espeak-ng -v fa -s 155 -p 45 -g 3 -f "$txt" --stdout |
		ffmpeg -loglevel error -y -i - -af "volume=-1dB" -ac 1 -c:a libopus -b:a 32k -application voip \
			-map_metadata -1 -fflags +bitexact -flags:a +bitexact "$ogg"
	secs=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$ogg")
	kb=$(( $(wc -c <"$ogg") / 1024 ))
	echo "$ogg: ${secs}s, ${kb} KB"
	if awk -v s="$secs" 'BEGIN { exit !(s > 60) }'; then
		echo "$txt: the summary plays ${secs}s; keep it under 60 seconds" >&2
		exit 1
	fi
done
[ "$found" = 1 ] || { echo "$0: no NN-summary.txt in $dir" >&2; exit 1; }
