/* Process events over the netlink connector; see proc_connector.h. */
#include "proc_connector.h"

#include <errno.h>
#include <stddef.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Room for a burst of forks between two drains. */
#define RCVBUF_BYTES (4 << 20)

int proc_connector_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC,
	};
	struct {
		struct nlmsghdr nl;
		struct cn_msg cn;
		enum proc_cn_mcast_op op;
	} __attribute__((packed)) msg;
	int size = RCVBUF_BYTES;
	int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			NETLINK_CONNECTOR);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	memset(&msg, 0, sizeof(msg));
	msg.nl.nlmsg_len = sizeof(msg);
	msg.nl.nlmsg_type = NLMSG_DONE;
	msg.nl.nlmsg_pid = (__u32)getpid();
	msg.cn.id.idx = CN_IDX_PROC;
	msg.cn.id.val = CN_VAL_PROC;
	msg.cn.len = sizeof(msg.op);
	msg.op = PROC_CN_MCAST_LISTEN;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(fd, &msg, sizeof(msg), 0) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int proc_connector_drain(int fd,
			 void (*on_fork)(pid_t parent_tid, pid_t child_tid,
					 pid_t child_tgid, void *arg),
			 void *arg)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	int seen = 0;

	/* At most 64 datagrams a call: the caller comes back while the
	 * socket stays readable. */
	for (int reads = 0; reads < 64; reads++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == ENOBUFS ? -ENOBUFS : seen;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			struct cn_msg *cn = NLMSG_DATA(nh);
			struct proc_event ev;

			if (nh->nlmsg_type != NLMSG_DONE ||
			    cn->id.idx != CN_IDX_PROC ||
			    cn->len < offsetof(struct proc_event, event_data) +
				      sizeof(ev.event_data.fork))
				continue;
			/* The event is only 4-byte aligned in the message. */
			memcpy(&ev, cn->data, sizeof(ev) < cn->len ? sizeof(ev) : cn->len);
			seen++;
			if (ev.what == PROC_EVENT_FORK)
				on_fork(ev.event_data.fork.parent_pid,
					ev.event_data.fork.child_pid,
					ev.event_data.fork.child_tgid, arg);
		}
	}
	return seen;
}
