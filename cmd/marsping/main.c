/*
 * marsping: ping for a MARS (RFC 2022).  Ask it for a group
 * (MARS_REQUEST), register with it, list its groups, or stay a cluster
 * member through a failover drill (--join).  See marsping(1).
 */
#include <stdio.h>

#include "marsping.h"

int
main(int argc, char **argv)
{
	static struct mp_opts o;
	const struct mp_mode_ops *ops;

	opts_parse(&o, argc, argv);
	switch (o.mode) {
	case MODE_REGISTER:
		ops = &register_ops;
		break;
	case MODE_JOIN:
		ops = &member_ops;
		break;
	case MODE_GROUPLIST:
		ops = &grouplist_ops;
		break;
	default:
		ops = &probe_ops;
		break;
	}
	return mp_run(&o, ops);
}
