<?php
// Contract-test driver for PHP's SoapClient in WSDL mode against the userApi service.
//   php client.php WSDL_URL ENDPOINT OPERATION [ARG...]
// WSDL_URL: where SoapClient reads the WSDL (the gateway's ...?wsdl).
// ENDPOINT: the URL the calls are posted to ("-" keeps the soap:address of the WSDL).
// Every ARG is BASE64 of its UTF-8 text; int parameters are decimal text.
// Document/literal wrapped: the call takes one array of named parameters and answers an object
// whose <op>Return property holds the string. The string is printed as one line
// `RESULT <BASE64 of its UTF-8 bytes>`; a SoapFault or other error goes to stderr, exit code 2.
ini_set('soap.wsdl_cache_enabled', '0');
ini_set('default_socket_timeout', '20');

if ($argc < 4) {
    fwrite(STDERR, "usage: php client.php WSDL_URL ENDPOINT OPERATION [BASE64-UTF8-ARG...]\n");
    exit(64);
}
[$wsdl, $endpoint, $op] = [$argv[1], $argv[2], $argv[3]];
$args = array_map(function ($a) {
    $s = base64_decode($a, true);
    if ($s === false) { fwrite(STDERR, "argument is not BASE64: $a\n"); exit(64); }
    return $s;
}, array_slice($argv, 4));

$names = [
    'sendSms' => ['username', 'password', 'smstype', 'content', 'mobile', 'isLongSms'],
    'getRestMoney' => ['username', 'password'],
    'getSmsReport' => ['username', 'password'],
    'getRecvSMS' => ['username', 'password'],
];
if (!isset($names[$op])) { fwrite(STDERR, "unknown operation $op\n"); exit(64); }
if (count($args) !== count($names[$op])) { fwrite(STDERR, "$op takes " . count($names[$op]) . " arguments\n"); exit(64); }
$params = array_combine($names[$op], $args);
if ($op === 'sendSms') {
    $params['smstype'] = (int)$params['smstype'];
    $params['isLongSms'] = (int)$params['isLongSms'];
}

$options = [
    'soap_version' => SOAP_1_1,
    'cache_wsdl' => WSDL_CACHE_NONE,
    'encoding' => 'UTF-8',
    'exceptions' => true,
    'trace' => true,
    'connection_timeout' => 20,
];
if ($endpoint !== '-') $options['location'] = $endpoint;

try {
    $client = new SoapClient($wsdl, $options);
    $response = $client->$op($params);
} catch (Throwable $e) {
    fwrite(STDERR, get_class($e) . ': ' . $e->getMessage() . "\n");
    if (isset($client)) {
        fwrite(STDERR, "--- request ---\n" . $client->__getLastRequestHeaders() . $client->__getLastRequest() . "\n");
        fwrite(STDERR, "--- response ---\n" . $client->__getLastResponseHeaders() . $client->__getLastResponse() . "\n");
    }
    exit(2);
}
$prop = $op . 'Return';
if (!is_object($response) || !property_exists($response, $prop)) {
    fwrite(STDERR, "unexpected response shape: " . var_export($response, true) . "\n");
    fwrite(STDERR, "--- response ---\n" . $client->__getLastResponseHeaders() . $client->__getLastResponse() . "\n");
    exit(3);
}
$value = $response->$prop;
if ($value === null) { echo "RESULT-NULL\n"; exit(0); }
if (!is_string($value)) {
    fwrite(STDERR, "$prop is not a string: " . var_export($value, true) . "\n");
    exit(3);
}
echo 'RESULT ' . base64_encode($value) . "\n";
