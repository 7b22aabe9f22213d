#!/usr/bin/env perl
# A phlomock driver (protocol version 1) wrapping a small PHLO runner client
# written in Perl 5 with core modules only (HTTP::Tiny, JSON::PP, MIME::Base64).
#
# Written from docs/driver-protocol.md, the schemas in docs/driver-protocol/
# and the public API description alone; see README.md next to this file.
#
# Standard output carries protocol messages only; everything else goes to
# standard error.
use strict;
use warnings;

use HTTP::Tiny ();
use JSON::PP ();
use MIME::Base64 ();

our $VERSION = '0.1.0';

# ---------------------------------------------------------------------------
# The client under test: PhloClient.
# ---------------------------------------------------------------------------
package PhloClient::Error {
    # What the client throws: the HTTP status (0 when no response arrived),
    # the message and the request id (api_id) the server gave, if any.
    sub new {
        my ($class, %a) = @_;
        return bless { status => $a{status} // 0, message => $a{message} // '',
                       api_id => $a{api_id} }, $class;
    }
    sub status  { $_[0]{status} }
    sub message { $_[0]{message} }
    sub api_id  { $_[0]{api_id} }
}

package PhloClient {

    my $JSON = JSON::PP->new->utf8->canonical;

    # PhloClient->new(auth_id => ..., auth_token => ..., base_url => ...)
    # base_url defaults to the real service; it holds scheme, host and port,
    # the client appends the /v1 prefix itself.
    sub new {
        my ($class, %a) = @_;
        for my $k (qw(auth_id auth_token)) {
            die PhloClient::Error->new(message => "$k is required")
                unless defined $a{$k} && length $a{$k};
        }
        my $base = $a{base_url} // 'https://phlorunner.plivo.com';
        $base =~ s{/+\z}{};
        my $self = bless {
            auth_id    => $a{auth_id},
            auth_token => $a{auth_token},
            base_url   => $base,
            http       => HTTP::Tiny->new(
                agent      => "phlo-perl/$VERSION HTTP::Tiny/$HTTP::Tiny::VERSION",
                timeout    => $a{timeout} // 8,
                keep_alive => 0,
                max_redirect => 0,
            ),
        }, $class;
        return $self;
    }

    # Percent-encode what may not appear raw in a path segment (RFC 3986
    # pchar); '+', ':' and '@' stay raw, as the API expects.
    sub _seg {
        my ($s) = @_;
        my $b = $s;
        utf8::encode($b) if utf8::is_utf8($b);
        $b =~ s/([^A-Za-z0-9\-._~!\$&'()*+,;=:@])/sprintf('%%%02X', ord $1)/ge;
        return $b;
    }

    sub _request {
        my ($self, $method, $path, $body) = @_;
        my %h = (
            'Accept'        => 'application/json',
            'Authorization' => 'Basic ' . MIME::Base64::encode_base64(
                "$self->{auth_id}:$self->{auth_token}", ''),
        );
        my %opt = (headers => \%h);
        if (defined $body) {
            $h{'Content-Type'} = 'application/json';
            $opt{content} = $JSON->encode($body);
        }
        my $url = $self->{base_url} . '/v1' . $path;
        my $res = $self->{http}->request($method, $url, \%opt);

        # HTTP::Tiny reports its own failures (connection refused, timeout)
        # as status 599 with the exception text as content.
        if ($res->{status} == 599) {
            my $m = $res->{content} // 'request failed';
            $m =~ s/\s+\z//;
            die PhloClient::Error->new(status => 0, message => $m);
        }

        my $status = $res->{status};
        my $raw    = $res->{content} // '';
        my $data   = eval { length $raw ? $JSON->decode($raw) : undef };
        my $bad_json = $@ ? 1 : 0;

        if ($status < 200 || $status > 299) {
            my ($msg, $api_id);
            if (ref $data eq 'HASH') {
                $api_id = $data->{api_id} if defined $data->{api_id} && !ref $data->{api_id};
                for my $k (qw(error message)) {
                    if (defined $data->{$k} && !ref $data->{$k} && length $data->{$k}) {
                        $msg = "$data->{$k}";
                        last;
                    }
                }
            }
            if (!defined $msg) {
                $msg = length $raw ? $raw : "HTTP $status $res->{reason}";
            }
            die PhloClient::Error->new(status => $status, message => $msg,
                                       api_id => defined $api_id ? "$api_id" : undef);
        }

        # 2xx: the answer must be a JSON object (or nothing at all).
        if ($bad_json || (defined $data && ref $data ne 'HASH')) {
            die PhloClient::Error->new(status => $status,
                message => "invalid response body (HTTP $status): $raw");
        }
        return $data // {};
    }

    sub run_phlo {
        my ($self, $phlo_id, $payload) = @_;
        my $path = '/account/' . _seg($self->{auth_id}) . '/phlo/' . _seg($phlo_id);
        return $self->_request('POST', $path, $payload);   # no payload: no body
    }

    sub get_phlo {
        my ($self, $phlo_id) = @_;
        return $self->_request('GET', '/phlo/' . _seg($phlo_id));
    }

    sub _node_path {
        my ($phlo_id, $node_id) = @_;
        return '/phlo/' . _seg($phlo_id) . '/multi_party_call/' . _seg($node_id);
    }

    sub get_multi_party_call {
        my ($self, $phlo_id, $node_id) = @_;
        return $self->_request('GET', _node_path($phlo_id, $node_id));
    }

    # Node actions: call, warm_transfer, cold_transfer. %a holds to,
    # trigger_source and optionally role; a role not given is not sent (the
    # API defaults it to agent).
    sub node_action {
        my ($self, $phlo_id, $node_id, $action, %a) = @_;
        my %body = (action => $action);
        for my $k (qw(to role trigger_source)) {
            $body{$k} = $a{$k} if defined $a{$k};
        }
        return $self->_request('POST', _node_path($phlo_id, $node_id), \%body);
    }

    # Member actions: abort_transfer, hold, unhold, hangup, resume_call,
    # voicemail_drop.
    sub member_action {
        my ($self, $phlo_id, $node_id, $member, $action) = @_;
        my $path = _node_path($phlo_id, $node_id) . '/members/' . _seg($member);
        return $self->_request('POST', $path, { action => $action });
    }
}

# ---------------------------------------------------------------------------
# The driver: protocol loop.
# ---------------------------------------------------------------------------
package main;

my $PROTOCOL = 1;
my $JSON = JSON::PP->new->utf8->canonical;

my %NODE_ACTION = (call => 'call', warmTransfer => 'warm_transfer',
                   coldTransfer => 'cold_transfer');
my %MEMBER_ACTION = (abortTransfer => 'abort_transfer', hold => 'hold',
                     unhold => 'unhold', hangup => 'hangup',
                     resumeCall => 'resume_call', voicemailDrop => 'voicemail_drop');
my @OPERATIONS = ('runPhlo', 'getPhlo', 'getMultiPartyCall',
                  'call', 'warmTransfer', 'coldTransfer',
                  'abortTransfer', 'hold', 'unhold', 'hangup', 'resumeCall', 'voicemailDrop');
my @FIELDS = qw(api_id phlo_id node_id name node_type created_on phlo_run_id message error);

binmode STDIN;
binmode STDOUT;
$| = 1;

sub logmsg { print STDERR "perl-driver: @_\n" }

sub send_msg {
    my ($m) = @_;
    print STDOUT $JSON->encode($m), "\n";
}

# A JSON scalar as a string: numbers converted, booleans as true/false.
sub as_string {
    my ($v) = @_;
    return undef if !defined $v;
    if (ref $v) {
        return JSON::PP::is_bool($v) ? ($v ? 'true' : 'false') : undef;
    }
    return "$v";
}

# Raises a driver problem (not a client one).
sub driver_problem { die { driver_error => $_[0] } }

sub need {
    my ($p, $k) = @_;
    my $v = $p->{$k};
    driver_problem("params.$k missing or not a string")
        unless defined $v && !ref $v && length $v;
    return "$v";
}

sub opt {
    my ($p, $k) = @_;
    return undef unless exists $p->{$k} && defined $p->{$k};
    driver_problem("params.$k is not a string") if ref $p->{$k};
    return "$p->{$k}";
}

sub perform {
    my ($msg) = @_;
    my $op = $msg->{operation} // '';
    my $p  = $msg->{params};
    driver_problem('params is not an object') unless ref $p eq 'HASH';
    for my $k (qw(base_url auth_id auth_token)) {
        driver_problem("$k missing or not a string")
            unless defined $msg->{$k} && !ref $msg->{$k};
    }

    # Prepare the arguments first, so that a bad message is a driver_error.
    my $call;
    if ($op eq 'runPhlo') {
        my $phlo_id = need($p, 'phlo_id');
        my $payload;
        if (exists $p->{payload} && defined $p->{payload}) {
            driver_problem('params.payload is not an object') unless ref $p->{payload} eq 'HASH';
            $payload = { %{ $p->{payload} } };
        }
        $call = sub { $_[0]->run_phlo($phlo_id, $payload) };
    } elsif ($op eq 'getPhlo') {
        my $phlo_id = need($p, 'phlo_id');
        $call = sub { $_[0]->get_phlo($phlo_id) };
    } elsif ($op eq 'getMultiPartyCall') {
        my ($phlo_id, $node_id) = (need($p, 'phlo_id'), need($p, 'node_id'));
        $call = sub { $_[0]->get_multi_party_call($phlo_id, $node_id) };
    } elsif (exists $NODE_ACTION{$op}) {
        my ($phlo_id, $node_id) = (need($p, 'phlo_id'), need($p, 'node_id'));
        my %a;
        for my $k (qw(to role trigger_source)) {
            my $v = opt($p, $k);
            $a{$k} = $v if defined $v;
        }
        $call = sub { $_[0]->node_action($phlo_id, $node_id, $NODE_ACTION{$op}, %a) };
    } elsif (exists $MEMBER_ACTION{$op}) {
        my ($phlo_id, $node_id, $member) =
            (need($p, 'phlo_id'), need($p, 'node_id'), need($p, 'member_address'));
        $call = sub { $_[0]->member_action($phlo_id, $node_id, $member, $MEMBER_ACTION{$op}) };
    } else {
        return { outcome => 'unsupported', message => "no such operation: $op" };
    }

    # The client call: every failure of the client is an error result.
    my $res = eval {
        my $client = PhloClient->new(base_url => $msg->{base_url},
                                     auth_id => $msg->{auth_id},
                                     auth_token => $msg->{auth_token});
        $call->($client);
    };
    if (my $e = $@) {
        if (ref $e && eval { $e->isa('PhloClient::Error') }) {
            my %err = (status => 0 + $e->status, message => '' . $e->message);
            $err{api_id} = '' . $e->api_id if defined $e->api_id;
            return { outcome => 'error', error => \%err };
        }
        my $m = ref $e ? "$e" : $e;
        $m =~ s/\s+\z//;
        return { outcome => 'error', error => { status => 0, message => $m } };
    }

    my %fields;
    if (ref $res eq 'HASH') {
        for my $k (@FIELDS) {
            my $v = as_string($res->{$k});
            $fields{$k} = $v if defined $v;
        }
    }
    return { outcome => 'success', fields => \%fields };
}

while (defined(my $line = <STDIN>)) {
    next if $line =~ /\A\s*\z/;
    my $msg = eval { $JSON->decode($line) };
    if (!defined $msg || ref $msg ne 'HASH') {
        logmsg('ignoring a line that is not a JSON object: ' . ($@ || $line));
        next;
    }
    my $type = $msg->{type} // '';
    if ($type eq 'hello') {
        my $theirs = $msg->{protocol} // '?';
        logmsg("phlomock speaks protocol $theirs, this driver speaks $PROTOCOL")
            if $theirs ne $PROTOCOL;
        send_msg({ type => 'hello', protocol => $PROTOCOL,
                   client => 'phlo-perl (HTTP::Tiny)', version => $VERSION,
                   operations => \@OPERATIONS });
    } elsif ($type eq 'call') {
        my $id = $msg->{id};
        $id = '' unless defined $id && !ref $id;
        my $r = eval { perform($msg) };
        if (my $e = $@) {
            my $why = ref $e eq 'HASH' && defined $e->{driver_error} ? $e->{driver_error} : "$e";
            $why =~ s/\s+\z//;
            logmsg("driver error in $id: $why");
            $r = { outcome => 'driver_error', message => $why };
        }
        send_msg({ type => 'result', id => "$id", %$r });
    } elsif ($type eq 'bye') {
        last;
    } else {
        logmsg("ignoring a message of unknown type '$type'");
    }
}
exit 0;
