/* fdpass: a descriptor opened by one user, written by another, as a
 * confused deputy would be handed one over a Unix socket (SCM_RIGHTS).
 *
 *   fdpass UID PATH DATA
 *
 * A child drops to uid and gid UID, opens PATH for writing and sends the
 * descriptor to this process, which (as whoever ran fdpass, root in the
 * tests) writes DATA (C escapes: \n) through it in one write() and prints
 * "OK" or the errno's name.  Exit status 0 when the write was made, 1 if
 * the child could not open PATH (its errno is printed), 2 on bad usage. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void send_fd(int sock, int fd, int err)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &err, sizeof(err) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (fd >= 0) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(sock, &msg, 0) < 0)
		_exit(1);
}

/* The descriptor the child sent, or -1 with errno its open's error. */
static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	int err = EIO, fd = -1;
	struct iovec iov = { &err, sizeof(err) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;

	if (recvmsg(sock, &msg, 0) <= 0)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	errno = err;
	return fd;
}

static size_t unescape(const char *s, char *out)
{
	size_t n = 0;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			out[n++] = '\n';
			s++;
		} else {
			out[n++] = *s;
		}
	}
	return n;
}

int main(int argc, char *argv[])
{
	int sv[2], fd, status;
	char *data;
	size_t len;
	uid_t uid;
	pid_t pid;

	if (argc != 4)
		return fprintf(stderr, "usage: fdpass UID PATH DATA\n"), 2;
	uid = (uid_t)strtoul(argv[1], NULL, 10);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return perror("socketpair"), 2;
	pid = fork();
	if (pid < 0)
		return perror("fork"), 2;
	if (pid == 0) {
		close(sv[0]);
		if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
			_exit(1);
		fd = open(argv[2], O_WRONLY);
		send_fd(sv[1], fd, fd < 0 ? errno : 0);
		_exit(0);
	}
	close(sv[1]);
	fd = recv_fd(sv[0]);
	waitpid(pid, &status, 0);
	if (fd < 0) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	data = malloc(strlen(argv[3]) + 1);
	if (!data)
		return 2;
	len = unescape(argv[3], data);
	if (write(fd, data, len) < 0)
		printf("%s\n", errno == EACCES ? "EACCES" : errno == EPERM ?
		       "EPERM" : errno == EINVAL ? "EINVAL" : strerror(errno));
	else
		printf("OK\n");
	free(data);
	close(fd);
	return 0;
}
