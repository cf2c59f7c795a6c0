/*
 * TLS to an https:// parent proxy, with OpenSSL through libevent's
 * bufferevent_openssl.  Only our leg to the parent is TLS: what the
 * client tunnels through it (its own TLS, usually) is opaque as ever.
 *
 * Trust: the system's CA bundle ($SSL_CERT_FILE, else OpenSSL's default
 * file) and $NODE_EXTRA_CA_CERTS, opened before the proxy confines
 * itself and read once, on the first policy that names an https://
 * parent: a confined process cannot open them later, and a proxy with no
 * such parent never parses them.  The parent's certificate must chain to
 * them and name the parent's host (RFC 6125); SNI carries a host name,
 * never an IP literal (RFC 6066 3).
 * OpenSSL's configuration file is not read (it cannot be, once confined);
 * the floor it would set on Debian is set here: TLS 1.2, security level 2.
 */
#include <sys/types.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include "libcommon/log.h"
#include "srt-proxy/proxy.h"

/*
 * Where trust comes from: the system's bundle, and the extra certificates
 * Node adds to its own store when NODE_EXTRA_CA_CERTS names a file, so a
 * private CA set up for the reference works here unchanged.
 */
struct ca_src {
	const char	*var;		/* the environment variable */
	char		 path[PATH_MAX];
	int		 fd;
	int		 err;		/* open's errno */
	bool		 set;
};

static struct ca_src	 ca[2] = {
	{ .var = "SSL_CERT_FILE", .fd = -1 },
	{ .var = "NODE_EXTRA_CA_CERTS", .fd = -1 },
};
static SSL_CTX		*ctx;
static char		 ctx_why[PATH_MAX + 64];	/* why there is none */

/*
 * The latest session each parent gave us, so the next connection to it
 * resumes instead of a full handshake (no certificate chain to send and
 * check, no signature): every CONNECT is a new connection.  Keyed by the
 * parent's host and port, never shared between parents; a few parents
 * at most, so a small array.
 */
#define TLS_SESSIONS	8
struct tls_session {
	char		 key[272];	/* host:port */
	SSL_SESSION	*sess;
};
static struct tls_session	sessions[TLS_SESSIONS];
static int			nsessions_next;

static void
ca_open(struct ca_src *s, const char *dflt)
{
	const char	*p = getenv(s->var);

	if (p == NULL || *p == '\0')
		p = dflt;
	if (p == NULL)
		return;
	s->set = true;
	strlcpy(s->path, p, sizeof(s->path));
	if ((s->fd = open(s->path, O_RDONLY | O_CLOEXEC)) == -1)
		s->err = errno;
}

void
tls_init(void)
{
	const char	*extra = getenv(ca[1].var);

	ca_open(&ca[0], X509_get_default_cert_file());
	/* Often the system's bundle again: parsing it twice costs 30 ms. */
	if (extra == NULL || strcmp(extra, ca[0].path) != 0)
		ca_open(&ca[1], NULL);
}

static struct tls_session *
tls_session_find(const struct parent_url *u, bool make)
{
	char	key[sizeof(sessions[0].key)];
	int	i;

	snprintf(key, sizeof(key), "%s:%d", u->host, u->port);
	for (i = 0; i < TLS_SESSIONS; i++)
		if (strcmp(sessions[i].key, key) == 0)
			return &sessions[i];
	if (!make)
		return NULL;
	/* A new parent takes the oldest slot. */
	i = nsessions_next++ % TLS_SESSIONS;
	if (sessions[i].sess != NULL)
		SSL_SESSION_free(sessions[i].sess);
	sessions[i].sess = NULL;
	strlcpy(sessions[i].key, key, sizeof(sessions[i].key));
	return &sessions[i];
}

/*
 * OpenSSL has a session (TLS 1.3: a ticket after the handshake).  We keep
 * a copy: the connection's own is marked unresumable when it is freed
 * without close_notify, as ours are (libevent sends none).
 */
static int
tls_session_new(SSL *ssl, SSL_SESSION *sess)
{
	const struct parent_url	*u = SSL_get_app_data(ssl);
	struct tls_session	*ts;
	SSL_SESSION		*copy;

	if (u == NULL || (copy = SSL_SESSION_dup(sess)) == NULL)
		return 0;
	ts = tls_session_find(u, true);
	if (ts->sess != NULL)
		SSL_SESSION_free(ts->sess);
	ts->sess = copy;
	return 0;	/* OpenSSL keeps and frees its own */
}

/* Every certificate of a bundle into the store; how many.  Read once:
 * the descriptor has nothing more to give. */
static int
tls_load_bundle(X509_STORE *store, struct ca_src *s)
{
	BIO	*bio;
	X509	*x;
	int	 n = 0;

	if (s->fd == -1)
		return 0;
	if ((bio = BIO_new_fd(s->fd, BIO_NOCLOSE)) != NULL) {
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
			if (X509_STORE_add_cert(store, x) == 1)
				n++;
			X509_free(x);
		}
		/* The loop ends on "no start line" at the end of the file. */
		ERR_clear_error();
		BIO_free(bio);
	}
	close(s->fd);
	s->fd = -1;
	log_debug("TLS: %d certificates from %s", n, s->path);
	return n;
}

static SSL_CTX *
tls_ctx_new(void)
{
	SSL_CTX		*c;
	X509_STORE	*store;
	int		 n, extra;

	if (OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1 ||
	    (c = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(ctx_why, sizeof(ctx_why), "cannot set up TLS");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
	SSL_CTX_set_security_level(c, 2);
	SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(c, tls_session_new);
	store = SSL_CTX_get_cert_store(c);
	n = tls_load_bundle(store, &ca[0]);
	extra = tls_load_bundle(store, &ca[1]);
	if (ca[1].set && extra == 0)
		/* Node warns and goes on without them too. */
		log_warnx("NODE_EXTRA_CA_CERTS: %s: %s; ignored", ca[1].path,
		    ca[1].err ? strerror(ca[1].err) : "no certificate");
	if (n + extra > 0)
		return c;
	if (ca[0].err != 0)
		snprintf(ctx_why, sizeof(ctx_why), "no CA bundle: %s: %s",
		    ca[0].path, strerror(ca[0].err));
	else
		snprintf(ctx_why, sizeof(ctx_why), "no certificate in the CA "
		    "bundle %s", ca[0].path);
	SSL_CTX_free(c);
	return NULL;
}

int
tls_ready(char *why, size_t whysz)
{
	if (ctx == NULL && ctx_why[0] == '\0')
		ctx = tls_ctx_new();
	if (ctx == NULL) {
		snprintf(why, whysz, "an https:// parent proxy: %s", ctx_why);
		return -1;
	}
	return 0;
}

void
tls_free(void)
{
	size_t	i;

	for (i = 0; i < TLS_SESSIONS; i++) {
		if (sessions[i].sess != NULL)
			SSL_SESSION_free(sessions[i].sess);
		memset(&sessions[i], 0, sizeof(sessions[i]));
	}
	if (ctx != NULL)
		SSL_CTX_free(ctx);
	ctx = NULL;
	for (i = 0; i < sizeof(ca) / sizeof(ca[0]); i++) {
		if (ca[i].fd != -1)
			close(ca[i].fd);
		ca[i].fd = -1;
	}
}

bool
tls_bev(struct bufferevent *bev)
{
	return bev != NULL && bufferevent_openssl_get_ssl(bev) != NULL;
}

static SSL *
tls_ssl_new(const struct parent_url *u)
{
	SSL			*ssl;
	struct in6_addr		 a;
	struct tls_session	*ts;
	const char		*host = u->host;
	bool			 literal = inet_pton(AF_INET, host, &a) == 1 ||
				    inet_pton(AF_INET6, host, &a) == 1;

	if (ctx == NULL || (ssl = SSL_new(ctx)) == NULL)
		return NULL;
	if (literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
	    host) != 1 : SSL_set_tlsext_host_name(ssl, host) != 1 ||
	    SSL_set1_host(ssl, host) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	/* The parent's URL lives in the policy the connection holds, as
	 * long as this SSL does: tls_session_new's key. */
	SSL_set_app_data(ssl, (void *)(uintptr_t)u);
	if ((ts = tls_session_find(u, false)) != NULL && ts->sess != NULL)
		SSL_set_session(ssl, ts->sess);
	return ssl;
}

/*
 * The TCP leg to the parent is up: the same socket, now under TLS.  The
 * new bufferevent reports BEV_EVENT_CONNECTED when the handshake is done
 * (the connect timeout still runs), an error when it fails.
 */
struct bufferevent *
tls_wrap(struct conn *c, struct bufferevent *tcp)
{
	struct timeval		 tv = { PROXY_CONNECT_TIMEOUT, 0 };
	struct bufferevent	*bev;
	SSL			*ssl;
	int			 fd = bufferevent_getfd(tcp);

	if ((ssl = tls_ssl_new(c->via_parent)) == NULL) {
		bufferevent_free(tcp);
		return NULL;
	}
	bufferevent_setfd(tcp, -1);
	bufferevent_free(tcp);
	bev = bufferevent_openssl_socket_new(c->px->base, fd, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		close(fd);
		return NULL;
	}
	/* A parent that closes without close_notify ends the stream, as
	 * with plain TCP; what it carries has its own framing. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	bufferevent_set_timeouts(bev, &tv, &tv);
	return bev;
}

/* Why the handshake with the parent failed, in one warning. */
void
tls_log_failure(struct conn *c, struct bufferevent *bev, short what)
{
	SSL		*ssl = bufferevent_openssl_get_ssl(bev);
	unsigned long	 e = bufferevent_get_openssl_error(bev);
	long		 v = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
	char		 buf[256] = "closed during the handshake";

	if (what & BEV_EVENT_TIMEOUT)
		strlcpy(buf, "the handshake timed out", sizeof(buf));
	else if (v != X509_V_OK)
		strlcpy(buf, X509_verify_cert_error_string(v), sizeof(buf));
	else if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	while (bufferevent_get_openssl_error(bev) != 0)
		;
	log_warnx("parent proxy %s:%d: TLS: %s", c->via_parent->host,
	    c->via_parent->port, buf);
}
