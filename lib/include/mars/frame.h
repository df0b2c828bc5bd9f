/*
 * One captured frame, reduced to what every printer and filter needs:
 * when, on which VC, and the AAL5 SDU it carried.  For lab traffic the
 * link adapter also notes where the IP and UDP headers sit, so that the
 * event producer (mars_cap_event(), capture.h) can name both ends of the
 * datagram without slowing down the decode of every record.
 */
#ifndef MARS_FRAME_H
#define MARS_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum mars_dir {
	MARS_DIR_UNKNOWN = -1,
	MARS_DIR_RX = 0,
	MARS_DIR_TX = 1,
};

struct mars_frame {
	uint64_t	 num;		/* 1-based position in the capture */
	int64_t		 ts_sec;
	uint32_t	 ts_usec;
	bool		 has_vc;
	uint16_t	 vpi;
	uint16_t	 vci;
	int		 dir;		/* enum mars_dir */
	uint8_t		 vc_kind;	/* enum mars_vc_kind, 0 unknown */
	const uint8_t	*data;		/* the whole record */
	uint32_t	 caplen;
	uint32_t	 wirelen;
	const uint8_t	*sdu;		/* AAL5 SDU inside data, NULL if none */
	uint32_t	 sdu_len;
	uint32_t	 sdu_off;	/* offset of sdu in data */
	bool		 truncated;	/* capture cut the record short */
	uint8_t		 ip_ver;	/* 4 or 6: lab traffic over IP; 0 none */
	uint16_t	 lab_flags;	/* the lab shim's flags (mars-lab(7)) */
	uint32_t	 ip_off;	/* IP header in data, when ip_ver != 0 */
	uint32_t	 udp_off;	/* UDP header in data, when ip_ver != 0 */
};

#ifdef __cplusplus
}
#endif

#endif
