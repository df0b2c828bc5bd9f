/*
 * marsd admin socket server (control.h).  Every descriptor is
 * non-blocking; a client's request line is bounded (MARS_CTL_REQUEST_MAX) and
 * so is an answer (CONTROL_REPLY_MAX).  An answer is built whole, then
 * written as the socket accepts it; the next request of a client is read
 * only once its previous answer is out, so a slow reader only stalls
 * itself.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/log.h"
#include "control.h"

struct admin_conn {
	struct control	*ctl;
	int		 fd;
	char		 in[MARS_CTL_REQUEST_MAX];
	size_t		 inlen;
	struct mars_ctl_buf	 out;
	size_t		 sent;
	bool		 closing;	/* close once out is sent */
	bool		 eof;		/* the client is done writing */
};

struct control {
	struct mars_evloop		*loop;
	int			 fd;
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	control_answer_fn	 answer;
	void			*arg;
	struct admin_conn		*clients[CONTROL_CLIENTS_MAX];
	size_t			 nclients;
};

static void	conn_io(struct mars_evloop *, int, unsigned, void *);

static void
conn_close(struct control *c, struct admin_conn *cl)
{
	size_t i;

	mars_evloop_fd_del(c->loop, cl->fd);
	close(cl->fd);
	mars_ctl_buf_free(&cl->out);
	for (i = 0; i < c->nclients; i++)
		if (c->clients[i] == cl) {
			c->clients[i] = c->clients[--c->nclients];
			break;
		}
	free(cl);
}

/* Answer every complete line in the input buffer, while nothing is pending. */
static void
conn_requests(struct control *c, struct admin_conn *cl)
{
	struct mars_ctl_request req;
	char why[MARS_CTL_REQUEST_MAX + 64];
	char *nl;
	size_t linelen;

	while (cl->out.len == 0 && !cl->closing &&
	    (nl = memchr(cl->in, '\n', cl->inlen)) != NULL) {
		*nl = '\0';
		linelen = (size_t)(nl - cl->in) + 1;
		mars_ctl_buf_reset(&cl->out);
		cl->sent = 0;
		if (mars_ctl_parse(cl->in, &req, why, sizeof(why)) != 0)
			mars_ctl_buf_end_error(&cl->out, "%s", why);
		else {
			c->answer(c->arg, &req, &cl->out);
			if (cl->out.overflow) {
				mars_ctl_buf_reset(&cl->out);
				mars_ctl_buf_end_error(&cl->out, "answer larger "
				    "than %u octets", CONTROL_REPLY_MAX);
			}
		}
		memmove(cl->in, cl->in + linelen, cl->inlen - linelen);
		cl->inlen -= linelen;
	}
	if (cl->out.len == 0 && cl->inlen == sizeof(cl->in)) {
		/* a line longer than any request: answer and hang up */
		mars_ctl_buf_end_error(&cl->out, "request longer than %d octets",
		    MARS_CTL_REQUEST_MAX);
		cl->inlen = 0;
		cl->closing = true;
	}
}

/* false when the client is gone */
static bool
conn_flush(struct control *c, struct admin_conn *cl)
{
	ssize_t n;

	while (cl->sent < cl->out.len) {
		n = send(cl->fd, cl->out.p + cl->sent, cl->out.len - cl->sent,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return true;
			if (errno == EINTR)
				continue;
			return false;
		}
		cl->sent += (size_t)n;
	}
	cl->out.len = 0;
	cl->sent = 0;
	return !cl->closing;
}

static void
conn_io(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	struct admin_conn *cl = arg;
	struct control *c = cl->ctl;
	ssize_t n;

	if (revents & MARS_EVLOOP_READ) {
		n = recv(fd, cl->in + cl->inlen, sizeof(cl->in) - cl->inlen, 0);
		if (n == 0)
			cl->eof = true;
		else if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			conn_close(c, cl);
			return;
		} else if (n > 0)
			cl->inlen += (size_t)n;
	} else if (revents & (MARS_EVLOOP_ERROR | MARS_EVLOOP_HUP) &&
	    !(revents & MARS_EVLOOP_WRITE)) {
		conn_close(c, cl);
		return;
	}
	for (;;) {
		conn_requests(c, cl);
		if (cl->out.len == 0)
			break;
		if (!conn_flush(c, cl)) {
			conn_close(c, cl);
			return;
		}
		if (cl->out.len != 0)
			break;		/* socket full: wait for MARS_EVLOOP_WRITE */
	}
	if (cl->eof && cl->out.len == 0) {
		conn_close(c, cl);
		return;
	}
	/* read more only when nothing is pending and there is room */
	(void)mars_evloop_fd_mod(loop, fd, cl->out.len != 0 ? MARS_EVLOOP_WRITE :
	    (cl->inlen < sizeof(cl->in) ? MARS_EVLOOP_READ : 0));
}

static void
accept_ready(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	struct control *c = arg;
	struct admin_conn *cl;
	int cfd;

	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd == -1)
		return;
	if (c->nclients == CONTROL_CLIENTS_MAX) {
		log_warnx("admin socket: too many clients, refusing one");
		close(cfd);
		return;
	}
	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		close(cfd);
		return;
	}
	cl->ctl = c;
	cl->fd = cfd;
	mars_ctl_buf_init(&cl->out, CONTROL_REPLY_MAX);
	if (mars_evloop_fd_add(loop, cfd, MARS_EVLOOP_READ, conn_io, cl) != 0) {
		close(cfd);
		free(cl);
		return;
	}
	c->clients[c->nclients++] = cl;
}

/* A socket file nobody answers on is a leftover of a dead daemon. */
static bool
socket_alive(const struct sockaddr_un *sa)
{
	int fd, rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return false;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	return rc == 0;
}

int
control_open(struct control **cp, struct mars_evloop *loop, const char *path,
    control_answer_fn answer, void *arg, char *msg, size_t msglen)
{
	struct sockaddr_un sa;
	struct control *c;
	struct stat st;
	mode_t old;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(msg, msglen, "%s: admin socket path longer than %zu "
		    "characters", path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(msg, msglen, "%s: exists and is not a socket",
			    path);
			return -1;
		}
		if (socket_alive(&sa)) {
			snprintf(msg, msglen, "%s: another daemon answers on "
			    "it", path);
			return -1;
		}
		(void)unlink(path);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	c->loop = loop;
	c->answer = answer;
	c->arg = arg;
	memcpy(c->path, sa.sun_path, sizeof(c->path));
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		snprintf(msg, msglen, "admin socket: %s", strerror(errno));
		free(c);
		return -1;
	}
	/* 0600 from the start: no window in which others may connect */
	old = umask(0177);
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		umask(old);
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		close(c->fd);
		free(c);
		return -1;
	}
	umask(old);
	(void)chmod(path, 0600);
	if (listen(c->fd, 16) == -1 || mars_evloop_fd_add(loop, c->fd, MARS_EVLOOP_READ,
	    accept_ready, c) != 0) {
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		close(c->fd);
		(void)unlink(path);
		free(c);
		return -1;
	}
	*cp = c;
	return 0;
}

void
control_close(struct control *c)
{
	if (c == NULL)
		return;
	while (c->nclients > 0)
		conn_close(c, c->clients[c->nclients - 1]);
	mars_evloop_fd_del(c->loop, c->fd);
	close(c->fd);
	(void)unlink(c->path);
	free(c);
}

size_t
control_clients(const struct control *c)
{
	return c == NULL ? 0 : c->nclients;
}
