#!/usr/bin/env bash
# Deliver .eml files into a mailbox of the private Dovecot started by servers.sh.
#
#   deploy/local/deliver.sh USER [MAILBOX] FILE...      one `doveadm save` per file (MAILBOX defaults to INBOX;
#                                                       it is created when missing)
#   deploy/local/deliver.sh --bulk USER [MAILBOX] DIR   every regular file of DIR at once, written straight into
#                                                       the maildir's new/ (10,000 files in about a second)
#
# The bulk path follows the maildir protocol (write into tmp/, rename into new/); Dovecot assigns the UIDs when it
# next syncs the mailbox. Message bytes are kept as they are: write CRLF line ends to get identical bytes back.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
# shellcheck source=deploy/local/local-dir.sh
source "$script_dir/local-dir.sh"
LOCAL_DIR="$(vigie_local_dir "$repo_root")"
CONF="${VIGIE_DOVECOT_CONF:-$LOCAL_DIR/dovecot/dovecot.conf}"

die() { echo "deliver.sh: $*" >&2; exit 1; }
usage() {
    echo "usage: $0 USER [MAILBOX] FILE... | $0 --bulk USER [MAILBOX] DIR" >&2
    exit 2
}

[[ -f $CONF ]] || die "no Dovecot config at $CONF: run deploy/local/servers.sh start"

doveadm_() { doveadm -c "$CONF" "$@"; }

ensure_mailbox() { # user mailbox
    [[ $2 == INBOX ]] && return 0
    doveadm_ mailbox status -u "$1" messages "$2" >/dev/null 2>&1 && return 0
    doveadm_ mailbox create -u "$1" "$2" 2>/dev/null ||
        doveadm_ mailbox status -u "$1" messages "$2" >/dev/null ||
        die "cannot create mailbox $2 for $1"
}

bulk=0
if [[ ${1:-} == --bulk ]]; then
    bulk=1
    shift
fi
[[ $# -ge 2 ]] || usage
user=$1
shift
mailbox=INBOX
# A second argument that is neither a file nor a directory names the mailbox.
if [[ $# -ge 2 && ! -e $1 ]]; then
    mailbox=$1
    shift
fi

if [[ $bulk -eq 0 ]]; then
    ensure_mailbox "$user" "$mailbox"
    for f in "$@"; do
        [[ -f $f ]] || die "no such file: $f"
        doveadm_ save -u "$user" -m "$mailbox" <"$f" || die "doveadm save failed for $f"
    done
    exit 0
fi

[[ $# -eq 1 && -d $1 ]] || usage
src=$1
ensure_mailbox "$user" "$mailbox"
# Ask Dovecot where the mailbox lives rather than guessing its layout.
maildir="$(doveadm_ mailbox path -u "$user" "$mailbox" 2>/dev/null || true)"
if [[ -z $maildir ]]; then
    home="$(doveadm_ user -f home "$user")" || die "unknown user $user"
    maildir="$home/Maildir"
    [[ $mailbox == INBOX ]] || maildir="$maildir/.$mailbox"
fi
# Opening the mailbox once makes Dovecot create its directories with the right owner.
doveadm_ mailbox status -u "$user" messages "$mailbox" >/dev/null || die "cannot open $mailbox of $user"
[[ -d $maildir/new && -d $maildir/tmp ]] || die "no maildir at $maildir"
# perl is Essential in Debian and copies thousands of files without a process per file.
perl -e '
    use strict;
    my ($src, $dir) = @ARGV;
    opendir(my $dh, $src) or die "cannot read $src: $!\n";
    my @names = sort grep { -f "$src/$_" } readdir($dh);
    closedir($dh);
    my $host = "vigie";
    my $n = 0;
    # Files must belong to the mail user (nobody when we run as root).
    my ($uid, $gid) = (stat("$dir/new"))[4, 5];
    for my $name (@names) {
        $n++;
        my $unique = sprintf("%d.M%dP%dQ%d.%s", time, $n, $$, $n, $host);
        open(my $in, "<:raw", "$src/$name") or die "cannot read $src/$name: $!\n";
        local $/;
        my $data = <$in>;
        close($in);
        open(my $out, ">:raw", "$dir/tmp/$unique") or die "cannot write $dir/tmp/$unique: $!\n";
        print $out $data or die "write failed: $!\n";
        close($out) or die "write failed: $!\n";
        chown($uid, $gid, "$dir/tmp/$unique") if $> == 0;
        rename("$dir/tmp/$unique", "$dir/new/$unique") or die "rename failed: $!\n";
    }
    print STDERR "deliver.sh: $n messages written to $dir/new\n";
' "$src" "$maildir"
