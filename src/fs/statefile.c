/* The state file's format; see statefile.h. */
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"

#define MAGIC "memcgfs-state 1\n"
#define MAGIC_LEN (sizeof(MAGIC) - 1)

void statefile_begin(struct strbuf *out)
{
	strbuf_add(out, MAGIC, MAGIC_LEN);
}

uint32_t statefile_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

void statefile_add_escaped(struct strbuf *sb, const char *s, size_t n)
{
	strbuf_add(sb, ":", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || c == '\\')
			strbuf_addf(sb, "\\%02x", c);
		else
			strbuf_add(sb, s + i, 1);
	}
}

/* Undo add_escaped in place (s ends at a NUL); false if malformed. */
bool statefile_unescape(char *s, size_t *len)
{
	size_t o = 0;

	if (s[0] != ':')
		return false;
	for (size_t i = 1; s[i]; i++) {
		unsigned int c;

		if (s[i] != '\\') {
			s[o++] = s[i];
			continue;
		}
		if (sscanf(s + i + 1, "%2x", &c) != 1 || !s[i + 1] || !s[i + 2])
			return false;
		s[o++] = (char)c;
		i += 2;
	}
	s[o] = '\0';
	*len = o;
	return true;
}

/* Append body to out as one checksummed line. */
void statefile_seal(struct strbuf *out, struct strbuf *body)
{
	strbuf_addf(out, "%08x ", statefile_hash(body->buf, body->len));
	strbuf_add(out, body->buf, body->len);
	strbuf_add(out, "\n", 1);
	body->len = 0;
}

void statefile_free(struct statefile *l)
{
	free(l->text);
	free(l->recs.v);
	*l = (struct statefile){ 0 };
}

bool statefile_is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* How many fields each type has, and which are numbers ('n'), octal
 * modes ('o'), file names ('f') or escaped strings ('s'). */
static const char *shape_of(char type)
{
	switch (type) {
	case 'N': return "n";
	case 'O': return "n";
	case 'G': return "nnonns";
	case 'X': return "n";
	case 'A': return "nfonn";
	case 'V': return "nfs";
	case 'T': return "nnn";
	case 'R': return "";
	case 'E': return "nnnnnnn";
	default: return NULL;
	}
}

static bool field_ok(char kind, char *s, size_t *len)
{
	*len = strlen(s);
	switch (kind) {
	case 'n':
		return statefile_is_number(s);
	case 'o':
		return statefile_is_number(s) && !strpbrk(s, "89") && strtoul(s, NULL, 8) <= 07777;
	case 'f':
		return ctl_find(s, true) >= 0;
	default:
		return statefile_unescape(s, len);
	}
}

/* Split and check one record's body (NUL-terminated, in place). */
static bool parse_body(char *body, struct record *r)
{
	const char *shape;
	char *save = NULL, *tok = strtok_r(body, " ", &save);

	if (!tok || tok[1] || !(shape = shape_of(tok[0])))
		return false;
	r->type = tok[0];
	r->nf = 0;
	while ((tok = strtok_r(NULL, " ", &save))) {
		if (r->nf >= (int)strlen(shape) ||
		    !field_ok(shape[r->nf], tok, &r->len[r->nf]))
			return false;
		r->f[r->nf++] = tok;
	}
	return r->nf == (int)strlen(shape);
}

static bool parse_line(char *line, struct record *r)
{
	unsigned long sum;
	char *body = line + 9, *end;

	if (strlen(line) < 10 || line[8] != ' ')
		return false;
	line[8] = '\0';
	sum = strtoul(line, &end, 16);
	line[8] = ' ';
	if (end != line + 8)
		return false;
	return statefile_hash(body, strlen(body)) == sum && parse_body(body, r);
}

int statefile_read(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "re");
	struct strbuf sb;
	char chunk[65536];
	size_t n;

	if (!f)
		return -errno;
	strbuf_init(&sb);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strbuf_add(&sb, chunk, n);
	if (ferror(f) || sb.oom) {
		fclose(f);
		strbuf_release(&sb);
		return -EIO;
	}
	fclose(f);
	strbuf_add(&sb, "", 1);		/* a NUL after the text */
	*text = sb.buf;
	*len = sb.len - 1;
	return 0;
}

/* Read and check the whole file before anything is applied: a bad
 * record anywhere but last means the file is not what we wrote, and
 * nothing of it is used.  A last record without its newline or its
 * checksum is a write cut short: the state before it is consistent. */
int statefile_load(const char *path, struct statefile *l, char *why,
		   size_t whylen)
{
	size_t len, lineno = 1;
	char *p, *nl;
	int err = statefile_read(path, &l->text, &len);

	if (err) {
		snprintf(why, whylen, "%s", strerror(-err));
		return err;
	}
	if (len < MAGIC_LEN || memcmp(l->text, MAGIC, MAGIC_LEN)) {
		snprintf(why, whylen, "not a memcgfs state file (version 1)");
		return -EINVAL;
	}
	for (p = l->text + MAGIC_LEN; *p; p = nl + 1) {
		struct record *r;

		lineno++;
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (!(r = VEC_PUSH(&l->recs)))
			return -ENOMEM;
		if (nl && parse_line(p, r))
			continue;
		l->recs.nr--;
		if (!nl || !nl[1]) {
			l->torn = true;
			break;
		}
		snprintf(why, whylen, "line %zu is corrupt", lineno);
		return -EINVAL;
	}
	return 0;
}

uint64_t record_num(const struct record *r, int i)
{
	return strtoull(r->f[i], NULL, 10);
}


int statefile_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int statefile_replace(const char *path, const char *buf, size_t len)
{
	size_t n = strlen(path) + 5;
	char *tmp = malloc(n);
	int fd, err = 0;

	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, n, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		err = -errno;
	if (!err)
		err = statefile_write_all(fd, buf, len);
	if (fd >= 0 && close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}
