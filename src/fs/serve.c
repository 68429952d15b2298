/* The request loop; see serve.h. */
#include "serve.h"

#include <errno.h>
#include <limits.h>

int fuse_serve(struct fuse_session *se, const struct fuse_cmdline_opts *co)
{
	struct fuse_loop_config *cfg;
	int ret;

	if (co->singlethread)
		return fuse_session_loop(se);
	cfg = fuse_loop_cfg_create();
	if (!cfg)
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(cfg, co->clone_fd);
	/* Only values given on the command line: libfuse's "unset" is
	 * UINT_MAX, which it would warn about. */
	if (co->max_threads && co->max_threads != UINT_MAX)
		fuse_loop_cfg_set_max_threads(cfg, co->max_threads);
	if (co->max_idle_threads != UINT_MAX)
		fuse_loop_cfg_set_idle_threads(cfg, co->max_idle_threads);
	ret = fuse_session_loop_mt(se, cfg);
	fuse_loop_cfg_destroy(cfg);
	return ret;
}
