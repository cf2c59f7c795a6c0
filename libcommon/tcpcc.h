/* TCP on loopback without a pacing congestion control; see tcpcc.c. */
#ifndef SRT_TCPCC_H
#define SRT_TCPCC_H

#include <sys/socket.h>
#include <stdbool.h>

bool	sa_is_loopback(const struct sockaddr *sa, socklen_t len);
int	tcp_unpaced(int fd);
int	tcp_unpaced_netns(void);

#endif
