"""Reported URLs as citizens write them: many variants (tracking suffixes, mobile hosts, defanged forms, case) of the
same contents, for the benchmarks. variant(c, rnd) gives one written form of content number c."""
import random

ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"


def video_id(c):
    rc = random.Random(c)
    return "".join(rc.choice(ALPHABET) for _ in range(11))


def variant(c, rnd):
    k = c % 8
    v = rnd.randrange(4)
    if k == 0:
        host = ["x.com", "twitter.com", "mobile.twitter.com", "x.com"][v]
        return f"https://{host}/compte{c % 997}/status/{1790000000000000000 + c}" + ["?s=20", "", "?t=abc&s=19", "/photo/1"][v]
    if k == 1:
        vid = video_id(c)
        return [f"https://youtu.be/{vid}?si=x{c}", f"https://www.youtube.com/watch?v={vid}&feature=share",
                f"https://m.youtube.com/watch?v={vid}&t=42s", f"https://youtube.com/shorts/{vid}"][v]
    if k == 2:
        return [f"https://m.facebook.com/story.php?story_fbid={c}&id={c % 991}&fbclid=IwAR{c}",
                f"https://www.facebook.com/permalink.php?story_fbid={c}&id={c % 991}",
                f"https://facebook.com/story.php?id={c % 991}&story_fbid={c}",
                f"https://web.facebook.com/story.php?story_fbid={c}&id={c % 991}&mibextid=abc"][v]
    if k == 3:
        return [f"https://t.me/canal{c % 89}/{c}", f"https://t.me/s/canal{c % 89}/{c}",
                f"https://telegram.me/canal{c % 89}/{c}", f"https://T.me/Canal{c % 89}/{c}?single"][v]
    if k == 4:
        return [f"https://www.tiktok.com/@user{c % 83}/video/{7300000000000000000 + c}",
                f"https://tiktok.com/@user{c % 83}/video/{7300000000000000000 + c}?is_from_webapp=1&sender_device=pc",
                f"https://m.tiktok.com/@user{c % 83}/video/{7300000000000000000 + c}",
                f"https://www.tiktok.com/@User{c % 83}/video/{7300000000000000000 + c}"][v]
    if k == 5:
        return [f"https://www.instagram.com/p/C{c}xYz/", f"https://instagram.com/p/C{c}xYz/?igsh=abc",
                f"https://www.instagram.com/reel/C{c}xYz/?utm_source=ig_web_copy_link", f"https://instagram.com/p/C{c}xYz"][v]
    if k == 6:
        return [f"https://www.reddit.com/r/sub{c % 41}/comments/{c:x}/titre_du_fil/",
                f"https://old.reddit.com/r/sub{c % 41}/comments/{c:x}/titre_du_fil/?utm_source=share",
                f"https://reddit.com/r/sub{c % 41}/comments/{c:x}/", f"https://np.reddit.com/r/sub{c % 41}/comments/{c:x}/titre_du_fil"][v]
    return [f"https://www.site-haineux{c % 50}.fr/article/{c}?utm_source=twitter&utm_medium=social",
            f"http://site-haineux{c % 50}.fr/article/{c}", f"https://site-haineux{c % 50}.fr/article/{c}#commentaires",
            f"https://SITE-HAINEUX{c % 50}.fr:443/article/./{c}/"][v]
