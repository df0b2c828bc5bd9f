/*
 * All of libmars in one include: every public header, in name order.
 * `make check` fails when a header in this directory is missing here.
 * Each header carries its own extern "C", so this one needs none.
 */
#ifndef MARS_MARS_H
#define MARS_MARS_H

#include "mars/atm.h"
#include "mars/capture.h"
#include "mars/check.h"
#include "mars/client.h"
#include "mars/config.h"
#include "mars/conform.h"
#include "mars/ctl.h"
#include "mars/endpoint.h"
#include "mars/err.h"
#include "mars/event.h"
#include "mars/evloop.h"
#include "mars/filter.h"
#include "mars/frame.h"
#include "mars/fsm.h"
#include "mars/lab.h"
#include "mars/link.h"
#include "mars/msg.h"
#include "mars/out.h"
#include "mars/pdu.h"
#include "mars/print.h"
#include "mars/proto.h"
#include "mars/redund.h"
#include "mars/rng.h"
#include "mars/scsp.h"
#include "mars/scspfsm.h"
#include "mars/server.h"
#include "mars/shim.h"
#include "mars/simclu.h"
#include "mars/sim.h"
#include "mars/types.h"
#include "mars/version.h"
#include "mars/watch.h"

#endif
