import Testing
import VigieCore

@Suite struct WebAddressTests {
    @Test(arguments: [
        ("127.0.0.1:8080", "127.0.0.1", 8080), ("[::1]:8080", "::1", 8080), ("localhost:80", "localhost", 80),
        ("0.0.0.0:65535", "0.0.0.0", 65535),
    ])
    func listenAddressesParse(text: String, host: String, port: Int) throws {
        let a = try #require(ListenAddress(text))
        #expect(a.host == host && a.port == port)
    }

    @Test(arguments: [
        "8080", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", ":80", "::1:80", "[::1]80", "a b:80",
        "127.0.0.1:８０",
    ])
    func badListenAddressesAreRefused(text: String) {
        #expect(ListenAddress(text) == nil)
    }

    @Test func rangesMatchTheirBlockOnly() throws {
        let v4 = try #require(IPRange("10.0.0.0/8"))
        #expect(v4.contains(IPAddress("10.200.3.4")!))
        #expect(!v4.contains(IPAddress("11.0.0.1")!))
        #expect(v4.contains(IPAddress("::ffff:10.1.2.3")!), "IPv4-mapped IPv6 is the IPv4 address")
        let odd = try #require(IPRange("192.168.1.128/25"))
        #expect(odd.contains(IPAddress("192.168.1.200")!) && !odd.contains(IPAddress("192.168.1.127")!))
        let v6 = try #require(IPRange("2001:db8::/32"))
        #expect(v6.contains(IPAddress("2001:db8:1::5")!) && !v6.contains(IPAddress("2001:db9::1")!))
        #expect(!v6.contains(IPAddress("10.0.0.1")!))
        #expect(IPRange("127.0.0.1")!.contains(IPAddress("127.0.0.1")!))
        #expect(IPRange("0.0.0.0/0")!.contains(IPAddress("8.8.8.8")!))
        for bad in ["10.0.0.0/33", "::/129", "10.0.0/8", "x", "10.0.0.0/-1", ""] {
            #expect(IPRange(bad) == nil, "\(bad)")
        }
    }

    @Test func theClientIsTheFirstUntrustedHopFromTheRight() {
        let proxies = [IPRange("127.0.0.1")!, IPRange("10.0.0.0/8")!]
        let peer = IPAddress("127.0.0.1")!
        // Through two trusted proxies: the client is the hop before them.
        #expect(
            ClientAddress.resolve(peer: peer, forwardedFor: ["203.0.113.9, 10.0.0.2"], trusted: proxies)
                == IPAddress("203.0.113.9"))
        // A forged left-most entry is ignored: the proxy appended the real peer.
        #expect(
            ClientAddress.resolve(peer: peer, forwardedFor: ["1.1.1.1, 198.51.100.7"], trusted: proxies)
                == IPAddress("198.51.100.7"))
        // An untrusted peer's header is not believed.
        #expect(
            ClientAddress.resolve(peer: IPAddress("198.51.100.7"), forwardedFor: ["1.1.1.1"], trusted: proxies)
                == IPAddress("198.51.100.7"))
        // Garbage in the header: the last address known.
        #expect(ClientAddress.resolve(peer: peer, forwardedFor: ["junk"], trusted: proxies) == peer)
        #expect(ClientAddress.resolve(peer: peer, forwardedFor: [], trusted: []) == peer)
    }

    @Test func loopbackAndDescription() {
        #expect(IPAddress("127.0.0.5")!.isLoopback && IPAddress("::1")!.isLoopback)
        #expect(IPAddress("::ffff:127.0.0.1")!.isLoopback)
        #expect(!IPAddress("10.0.0.1")!.isLoopback)
        #expect("\(IPAddress("2001:0db8::0001")!)" == "2001:db8::1")
        #expect(ListenAddress(host: "::1", port: 8080).description == "[::1]:8080")
    }
}
